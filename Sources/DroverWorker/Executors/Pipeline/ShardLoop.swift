import DroverML
import Foundation
import ZeroMQ

/// A shard job's conversation with the coordinator's trainer, on a thread of its own (it owns
/// the DEALER socket): HELLO, then one reply per request. HELLO is repeated while the trainer
/// is silent (it may have restarted, or not have bound yet); a trainer silent for `idleLimit`
/// fails the job. With `curve` (the worker's keys), the connection is CURVE and a refused
/// handshake fails the job at once. Sends never block: a frame that cannot be queued is one the
/// trainer re-asks for.
///
/// After a reply the loop polls without sleeping, yielding the CPU between polls, as MPI progress
/// engines do: a thread that has gone to sleep takes a millisecond or more to be woken on a busy or
/// virtualised host (docs/performance.md, *Session 26*). The next request comes once the slowest
/// shard has answered, so the loop spins for `spinAfterReply` or as long as its own last request
/// took, whichever is longer, up to `spinCap` (`spinWindow`): with 16 ms gradients, shards that
/// spun only 2 ms were often asleep when the next request came, and single rounds took 2–8 ms
/// (*Session 28*). Between polls it yields to any other thread ready to run on that CPU.
public struct ShardLoop {
    var endpoint: String
    var session: String
    var shard: Int
    var job: String
    var idleLimit: Duration
    var curve: CurveClientKeys?
    var helloEvery: Duration = .seconds(2)
    /// How long after a reply the loop polls without sleeping at least (zero: it sleeps at once).
    public var spinAfterReply: Duration = .milliseconds(2)
    /// The longest spin after a reply, however long the request took.
    public var spinCap: Duration = .milliseconds(50)

    public init(endpoint: String, session: String, shard: Int, job: String, idleLimit: Duration,
                curve: CurveClientKeys? = nil) {
        (self.endpoint, self.session, self.shard, self.job, self.idleLimit) = (endpoint, session, shard, job, idleLimit)
        self.curve = curve
    }

    public func run(_ worker: ShardWorker, cancellation: CancellationToken) throws -> ([String: String], [String: Double]) {
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try ZMQSocket(context, type: .dealer)
        defer { socket.close() }
        try socket.set([.maxMessageSize(256 << 20), .linger(.milliseconds(500))] + (curve?.socketOptions ?? []))
        let monitor = try ZMQMonitor(socket, events: [.handshakeFailedAuth, .handshakeFailedProtocol])
        defer { monitor.close() }
        try socket.connect(endpoint)
        let hello = try TrainingFrame.hello(session: session, shard: shard, job: job, binaryGrow: true, binaryTrees: true).encoded()
        _ = try socket.send([hello], dontWait: true)
        var lastHeard = ContinuousClock.now, lastHello = ContinuousClock.now
        let poller = ZMQPoller()
        try poller.add(socket)
        let stallAfter = ShardStall.claim()
        var served = 0
        var lastReply = ContinuousClock.now - spinAfterReply
        var spin = spinAfterReply
        while true {
            try cancellation.check()
            let timeout = Self.pollTimeoutMs(sinceReply: ContinuousClock.now - lastReply, spin: spin)
            if try poller.poll(timeoutMs: timeout) == 0 {
                if timeout == 0 {
                    sched_yield()
                    continue
                }
                if let event = try monitor.receive() { throw refusal(event) }
                let now = ContinuousClock.now
                if now - lastHeard > idleLimit {
                    throw JobFailure("train-shard: the coordinator's trainer at \(endpoint) has been silent for \(idleLimit); the step is retried or fails")
                }
                if now - lastHello > helloEvery, now - lastHeard > helloEvery {
                    _ = try socket.send([hello], dontWait: true)
                    lastHello = now
                }
                continue
            }
            while let frames = try socket.receive(dontWait: true) {
                guard frames.count == 1 else { continue }
                lastHeard = .now
                switch try TrainingFrame.decode(frames[0]) {
                case .request(let seq, let request):
                    try cancellation.check()
                    served += 1
                    if let stallAfter, served > stallAfter {
                        FileHandle.standardError.write(Data("failpoint: train-shard \(shard) stalls\n".utf8))
                        while true { try cancellation.check(); Thread.sleep(forTimeInterval: 0.05) }
                    }
                    let started = ContinuousClock.now
                    _ = try socket.send([try TrainingFrame.reply(seq: seq, worker.handle(request), to: request)], dontWait: true)
                    lastReply = .now
                    spin = Self.spinWindow(floor: spinAfterReply, lastRequest: lastReply - started, cap: spinCap)
                case .finish(let outputs, let metrics):
                    return (outputs, metrics)
                case .abort(let message):
                    throw JobFailure("train-shard: training failed on the coordinator: \(message)")
                case .hello, .reply:
                    continue
                }
            }
        }
    }

    /// How long to spin after a reply: `floor`, or as long as the last request took when that is
    /// longer, up to `cap`; no spin at all when `floor` is zero.
    static func spinWindow(floor: Duration, lastRequest: Duration, cap: Duration) -> Duration {
        floor == .zero ? .zero : max(floor, min(lastRequest, cap))
    }

    /// How long the next poll may sleep: not at all within `spin` of the last reply, 100 ms otherwise.
    static func pollTimeoutMs(sinceReply: Duration, spin: Duration) -> Int {
        sinceReply < spin ? 0 : 100
    }

    private func refusal(_ event: MonitorEvent) -> JobFailure {
        if event.kind == .handshakeFailedAuth {
            return JobFailure("train-shard: the coordinator's trainer at \(endpoint) refused this worker's CURVE key; add its NAME.pub line to the coordinator's --allow-workers file")
        }
        return JobFailure(curve == nil
            ? "train-shard: the security handshake with the trainer at \(endpoint) failed: the coordinator uses CURVE and this worker has no keys (--curve-secret, --server-key)"
            : "train-shard: the security handshake with the trainer at \(endpoint) failed: check --server-key against the coordinator's NAME.pub")
    }
}
