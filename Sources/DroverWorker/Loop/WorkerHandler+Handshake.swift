import ZeroMQ

/// Tells the operator why a worker gets no work when the coordinator refuses its security
/// handshake (its key is not on `--allow-workers`, it is a client key, or CURVE is on one side only).
/// A refused connection gets no WELCOME, so the session retries on a fresh connection with backoff.
extension WorkerHandler {
    func watchHandshake(of socket: ZMQSocket, loop: SocketLoop) throws {
        let monitor = try ZMQMonitor(socket, events: [.handshakeFailedAuth, .handshakeFailedProtocol, .handshakeSucceeded])
        loop.own(monitor.socket)
        try loop.watch(monitor.socket)
        handshakeMonitor = monitor
    }

    func closeHandshakeMonitor(loop: SocketLoop) {
        guard let monitor = handshakeMonitor else { return }
        loop.unwatch(monitor.socket)
        monitor.close()
        handshakeMonitor = nil
    }

    func onHandshakeEvents(loop: SocketLoop) throws {
        while let event = try handshakeMonitor?.receive() {
            switch event.kind {
            case .handshakeFailedAuth:
                logger.error("worker.auth.refused", metadata: [
                    "coordinator": "\(options.coordinator)", "status": "\(event.value)",
                    "hint": "add this worker's NAME.pub line to the coordinator's --allow-workers file (a client key cannot be used by a worker)",
                ])
            case .handshakeFailedProtocol:
                logger.error("worker.handshake.failed", metadata: [
                    "coordinator": "\(options.coordinator)",
                    "hint": options.curve == nil
                        ? "the coordinator requires CURVE: pass --curve-secret and --server-key"
                        : "the coordinator does not use CURVE, or --server-key is not its public key",
                ])
            default:
                break
            }
        }
    }
}
