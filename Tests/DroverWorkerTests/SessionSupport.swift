import DroverCore
import DroverProtocol

/// Builders and effect filters for driving a `WorkerSession` by hand.
enum S {
    static func config(slots: Int = 1, prefetch: Int = 0) -> WorkerSession.Config {
        var c = WorkerSession.Config(name: "w1", slots: slots, prefetch: prefetch, kinds: ["echo", "sleep", "train"],
                                     immediateKinds: ["echo"])
        c.reconnectMinMs = 100
        c.drainGraceMs = 1_000
        c.drainLingerMs = 500
        return c
    }

    /// A session that has said HELLO at `now` 0 and been welcomed (heartbeat 100 ms, liveness 3).
    static func welcomed(slots: Int = 1, prefetch: Int = 0) -> WorkerSession {
        var s = WorkerSession(config: config(slots: slots, prefetch: prefetch), seed: 7)
        _ = s.connected(now: 0)
        _ = s.received(welcome(), now: 1)
        return s
    }

    static func welcome(epoch: UInt64 = 1) -> CoordinatorMessage {
        .welcome(.init(epoch: epoch, heartbeatMs: 100, liveness: 3, leaseMs: 10_000))
    }

    static func job(_ id: JobID, kind: String = "sleep", timeoutMs: UInt32 = 0) -> Assignment {
        Assignment(jobID: id, attempt: 1, token: 1_000 + id, kind: kind, params: [:], timeoutMs: timeoutMs)
    }

    static func succeeded(_ a: Assignment) -> AttemptResult { AttemptResult(lease: a.lease, outcome: .succeeded) }
}

extension Array where Element == WorkerSession.Effect {
    var sent: [WorkerMessage] { compactMap { if case .send(let m) = $0 { m } else { nil } } }
    var started: [JobID] { compactMap { if case .start(let a) = $0 { a.jobID } else { nil } } }
    var cancelled: [JobID] { compactMap { if case .cancel(let l) = $0 { l.jobID } else { nil } } }
    var reconnects: [WorkerSession.ReconnectReason] { compactMap { if case .reconnect(let r) = $0 { r } else { nil } } }
    var stops: Bool { contains(.stop) }
    var hello: WorkerMessage.Hello? { sent.lazy.compactMap { if case .hello(let h) = $0 { h } else { nil } }.first }
    /// Every result sent, with the credit that travelled with them.
    var results: (credit: UInt32, results: [AttemptResult]) {
        sent.reduce((0, [])) { acc, m -> (UInt32, [AttemptResult]) in
            guard case .results(let c, let r) = m else { return acc }
            return (acc.0 + c, acc.1 + r)
        }
    }
    var startedLeases: [JobID] {
        sent.flatMap { m -> [JobID] in
            guard case .started(let leases) = m else { return [] }
            return leases.map(\.jobID)
        }
    }
}
