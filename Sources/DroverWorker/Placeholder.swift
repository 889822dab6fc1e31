// DroverWorker
