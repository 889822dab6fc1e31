// DroverCore
