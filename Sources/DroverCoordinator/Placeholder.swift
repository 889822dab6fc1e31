// DroverCoordinator
