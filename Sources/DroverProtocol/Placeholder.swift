// DroverProtocol
