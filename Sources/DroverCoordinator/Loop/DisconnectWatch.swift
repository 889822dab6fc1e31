/// The fast path for a worker whose TCP connection closed (kill -9, crash, exit): which
/// connection belongs to which worker, and which closed connections are waiting out their grace.
///
/// libzmq reports a closed connection by file descriptor (socket monitor, `disconnected`) and
/// tells which descriptor each message came in on (`ZMQ_SRCFD`); this maps one to the other.
/// A descriptor can be reused by a new connection before the event is read, so a closed
/// connection only names a *candidate*: after `graceMs` the shell probes the worker's routing
/// id (a heartbeat with ROUTER_MANDATORY) and reports the worker gone only if it is unroutable.
struct DisconnectWatch {
    struct Probe: Equatable {
        var peer: [UInt8]
        var closedAtMs: Int64
        var dueMs: Int64
    }

    let graceMs: Int64
    private var peerByFD: [Int32: [UInt8]] = [:]
    private(set) var probes: [Probe] = []

    init(graceMs: Int64) {
        self.graceMs = graceMs
    }

    /// A message from `peer` came in on `fd`.
    mutating func heard(_ peer: ArraySlice<UInt8>, on fd: Int32) {
        if let known = peerByFD[fd], known.elementsEqual(peer) { return }
        peerByFD[fd] = Array(peer)
    }

    /// The connection on `fd` closed at `now`.
    mutating func closed(fd: Int32, now: Int64) {
        guard let peer = peerByFD.removeValue(forKey: fd) else { return }
        probes.append(Probe(peer: peer, closedAtMs: now, dueMs: now + graceMs))
    }

    /// Probes whose grace has passed, removed from the watch.
    mutating func due(now: Int64) -> [Probe] {
        guard probes.contains(where: { $0.dueMs <= now }) else { return [] }
        let ready = probes.filter { $0.dueMs <= now }
        probes.removeAll { $0.dueMs <= now }
        return ready
    }
}
