import DroverCoordinator
import DroverProtocol
import Foundation
import ZeroMQ

/// A blocking client of the coordinator's client socket, for CLI commands.
///
/// CLI client commands are synchronous `ParsableCommand`s: they run on the process's main
/// thread (the async `@main` runs on the main actor), never on the cooperative pool, and
/// this object's socket is created, used and closed on that one thread.
final class CoordinatorClient {
    let endpoint: String
    let timeoutMs: Int
    private let context: ZMQContext
    private let socket: ZMQSocket
    /// Watches the handshake, so a refused key fails fast with a useful message instead of a timeout.
    private let monitor: ZMQMonitor
    private let secured: Bool
    private var nextRequest: UInt64 = 1
    /// DONE notifications that arrived while waiting for something else.
    private(set) var done: [ClientReply.DoneJob] = []

    /// `coordinator` is the coordinator's address as workers see it (`tcp://host:5555`);
    /// the client socket is at the next port.
    init(coordinator: String, timeoutMs: Int = 5_000, curve: CurveClientKeys? = nil) throws {
        endpoint = Endpoint.clientEndpoint(forWorkerEndpoint: coordinator)
        self.timeoutMs = timeoutMs
        secured = curve != nil
        context = try ZMQContext()
        socket = try ZMQSocket(context, type: .dealer, linger: .milliseconds(200))
        try socket.set([.receiveTimeout(.milliseconds(100)), .maxMessageSize(Int64(WireLimits.maxFrameBytes)),
                        .receiveHighWaterMark(0), .sendHighWaterMark(0), .reconnectInterval(.milliseconds(10))]
                       + (curve?.socketOptions ?? []))
        monitor = try ZMQMonitor(socket, events: [.handshakeFailedAuth, .handshakeFailedProtocol])
        try socket.connect(endpoint)
    }

    deinit {
        monitor.close()
        socket.close()
        context.terminate()
    }

    private func requestID() -> UInt64 {
        defer { nextRequest += 1 }
        return nextRequest
    }

    func send(_ request: ClientRequest) throws {
        _ = try socket.send([request.encode()])
    }

    /// Waits up to `timeoutMs` for the next reply other than DONE (DONE is buffered).
    func receive(timeoutMs: Int? = nil, until match: (ClientReply) -> Bool) throws -> ClientReply {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs ?? self.timeoutMs)
        while ContinuousClock.now < deadline {
            guard let frames = try socket.receive(), frames.count == 1 else {
                try checkHandshake()
                continue
            }
            let reply = try ClientReply.decode(frames[0])
            if case .done(let jobs) = reply {
                done.append(contentsOf: jobs)
                if match(reply) { return reply }
                continue
            }
            if match(reply) { return reply }
        }
        throw CLIError("no answer from the coordinator at \(endpoint) within \(timeoutMs ?? self.timeoutMs) ms",
                       hint: "is it running? Start one with `drover up`, or point --connect / DROVER_COORDINATOR at it")
    }

    /// Throws a clear error if the coordinator refused the security handshake (unknown key,
    /// a worker key used as a client, or CURVE on one side only).
    private func checkHandshake() throws {
        while let event = try monitor.receive() {
            if event.kind == .handshakeFailedAuth {
                throw CLIError("the coordinator at \(endpoint) refused this client's CURVE key (status \(event.value))",
                               hint: "add this key's NAME.pub line to the coordinator's --allow-clients file and restart it; a worker key cannot be used as a client")
            }
            if event.kind == .handshakeFailedProtocol {
                throw CLIError(secured
                    ? "the security handshake with \(endpoint) failed: the coordinator does not use CURVE, or --server-key is not its public key"
                    : "the security handshake with \(endpoint) failed: the coordinator requires CURVE keys",
                    hint: secured ? "check --server-key against the coordinator's NAME.pub"
                        : "pass --curve-secret YOUR.key --server-key COORDINATOR.pub (or DROVER_CURVE_SECRET / DROVER_SERVER_KEY)")
            }
        }
    }

    /// The next reply of any kind, or nil after the socket's receive timeout (100 ms).
    func receiveAny() throws -> ClientReply? {
        guard let frames = try socket.receive(), frames.count == 1 else {
            try checkHandshake()
            return nil
        }
        return try ClientReply.decode(frames[0])
    }

    /// Submits `jobs` copies of `spec` with up to `window` SUBMITs in flight (benchmarks). With
    /// `watch`, returns when every job has reported DONE; otherwise when every SUBMIT is answered.
    func submitPipelined(jobs: Int, spec: JobSpec, batch: Int, window: Int, watch: Bool) throws {
        var submitted = 0, inFlight = 0, done = 0, requestID: UInt64 = 1_000_000
        let deadline = ContinuousClock.now + .seconds(300)
        while watch ? done < jobs : (submitted < jobs || inFlight > 0) {
            while inFlight < window, submitted < jobs {
                let n = min(batch, jobs - submitted)
                try send(.submit(requestID: requestID, watch: watch, jobs: Array(repeating: spec, count: n)))
                requestID += 1
                submitted += n
                inFlight += 1
            }
            guard let reply = try receiveAny() else {
                guard ContinuousClock.now < deadline else { throw CLIError("pipelined run stalled: \(done)/\(jobs) done") }
                continue
            }
            switch reply {
            case .submitted: inFlight -= 1
            case .done(let list): done += list.count
            case .busy(_, let after, let queued, let limit):
                throw CLIError("coordinator busy (\(queued)/\(limit) waiting, retry after \(after) ms); lower --window or --batch")
            case .error(_, _, let m): throw CLIError("coordinator error: \(m)")
            default: break
            }
        }
    }

    /// Submits jobs; retries while the coordinator answers BUSY (nothing accepted), up to the timeout.
    func submit(_ jobs: [JobSpec], watch: Bool, busyDeadline: ContinuousClock.Instant? = nil) throws -> [JobID] {
        let id = requestID()
        let deadline = busyDeadline ?? ContinuousClock.now + .seconds(60)
        while true {
            try send(.submit(requestID: id, watch: watch, jobs: jobs))
            let reply = try receive { r in
                switch r {
                case .submitted(let rid, _), .busy(let rid, _, _, _), .error(let rid, _, _): rid == id || rid == 0
                default: false
                }
            }
            switch reply {
            case .submitted(_, let ids):
                return ids
            case .busy(_, let after, let queued, let limit):
                guard ContinuousClock.now < deadline else {
                    throw CLIError("the coordinator's queue is full (\(queued) of \(limit) jobs waiting)",
                                   hint: "wait for jobs to finish, add workers, or raise --max-queued")
                }
                Thread.sleep(forTimeInterval: Double(max(after, 10)) / 1000)
            case .error(_, _, let message):
                throw CLIError.input("the coordinator rejected the submission: \(message)")
            default:
                continue
            }
        }
    }

    /// Runs a JSON query and decodes the answer.
    func query<T: Decodable>(_ name: String, _ body: some Encodable, as type: T.Type) throws -> T {
        let id = requestID()
        try send(.query(requestID: id, name: name, body: [UInt8](try JSONEncoder().encode(body))))
        let reply = try receive { r in
            if case .reply(let rid, _, _) = r { return rid == id }
            if case .error(let rid, _, _) = r { return rid == id || rid == 0 }
            return false
        }
        switch reply {
        case .reply(_, 0, let body):
            return try JSONDecoder().decode(T.self, from: Data(body))
        case .reply(_, let code, let body):
            let message = (try? JSONDecoder().decode(QueryError.self, from: Data(body)).error) ?? "error \(code)"
            let isInput = code == ErrorCode.notFound.rawValue || code == ErrorCode.badRequest.rawValue
            throw isInput ? CLIError.input(message) : CLIError(message)
        case .error(_, _, let message):
            throw CLIError(message)
        default:
            throw CLIError("unexpected reply from the coordinator")
        }
    }

    /// Waits for DONE of every id (already watched), reporting progress; `timeoutMs` 0 = forever.
    func waitForAll(_ ids: Set<JobID>, timeoutMs: Int, progress: (Int, [JobState: Int]) -> Void) throws -> [JobState: Int] {
        var remaining = ids
        var byState: [JobState: Int] = [:]
        let start = ContinuousClock.now
        var lastSilent = ContinuousClock.now
        while !remaining.isEmpty {
            for d in done where remaining.remove(d.jobID) != nil { byState[d.state, default: 0] += 1 }
            done.removeAll()
            progress(ids.count - remaining.count, byState)
            if remaining.isEmpty { break }
            if timeoutMs > 0, ContinuousClock.now - start > .milliseconds(timeoutMs) {
                throw CLIError("\(remaining.count) of \(ids.count) jobs still not finished after \(timeoutMs) ms",
                               hint: "see `drover jobs --state queued` and `drover status JOB`")
            }
            if let frames = try socket.receive(), frames.count == 1, case .done(let jobs) = try ClientReply.decode(frames[0]) {
                done.append(contentsOf: jobs)
                lastSilent = ContinuousClock.now
            } else if ContinuousClock.now - lastSilent > .seconds(5) {
                // Nothing heard for a while (coordinator restarted?): watch again; terminal ones answer at once.
                let all = Array(remaining)
                for start in stride(from: 0, to: all.count, by: WireLimits.maxBatch) {
                    try send(.watch(requestID: requestID(), jobIDs: Array(all[start..<min(start + WireLimits.maxBatch, all.count)])))
                }
                lastSilent = ContinuousClock.now
            }
        }
        return byState
    }
}
