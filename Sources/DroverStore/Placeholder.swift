// DroverStore
