import DroverProtocol
import Glibc
import ZeroMQ

/// The worker-disconnect fast path in the shell: libzmq's socket monitor reports closed
/// connections on the worker socket; after a short grace the worker's routing id is probed and,
/// if unroutable, the core hears `workerDisconnected` (docs/architecture.md, "Leases").
extension CoordinatorHandler {
    /// Monitors the worker socket for closed connections (call before binding it).
    static func monitorDisconnects(of socket: ZMQSocket, loop: SocketLoop) throws -> ZMQMonitor {
        let monitor = try ZMQMonitor(socket, events: [.disconnected])
        loop.own(monitor.socket)
        try loop.watch(monitor.socket)
        return monitor
    }

    func onDisconnectEvents() throws {
        let now = clock.nowMs
        while let event = try disconnectMonitor.receive() {
            if event.kind == .disconnected { disconnects.closed(fd: event.value, now: now) }
        }
    }

    /// Reports the workers whose connection closed a grace ago and whose routing id is gone.
    func checkDisconnects(now: Int64) {
        for probe in disconnects.due(now: now) where core.workers[probe.peer] != nil && !isRoutable(probe.peer) {
            batch.append(core.workerDisconnected(probe.peer, closedAtMs: probe.closedAtMs, now: now))
        }
    }

    /// Whether a message to `peer` can be queued: with ROUTER_MANDATORY an unknown routing id
    /// fails with EHOSTUNREACH. The probe is a heartbeat, harmless to a live worker.
    private func isRoutable(_ peer: [UInt8]) -> Bool {
        do {
            _ = try workers.send([peer, CoordinatorMessage.heartbeat.encode()], dontWait: true)
            return true
        } catch {
            return error.code != EHOSTUNREACH
        }
    }
}
