import DroverProtocol

/// Valid messages of every type and shape, shared by the round-trip, rejection and
/// mutation tests.
enum Samples {
    static let lease = Lease(jobID: 42, attempt: 3, token: (7 << 32) | 9)

    static let unicodeSpec = JobSpec(
        kind: "train-模型", params: ["lr": "0.01", "name": "Zoë 🚀", "空": ""], priority: .high,
        tags: ["gpu", "ssd"], maxRetries: 2, timeoutMs: 60_000, idempotencyKey: "key-ключ")

    static let plainSpec = JobSpec(kind: "noop")

    static let result = AttemptResult(
        lease: lease, outcome: .failed, metrics: ["loss": 0.25, "accuracy": 0.9, "∆": -1.5e300],
        message: "division by zero ÷ 0", durationMicros: 123_456)

    static let assignment = Assignment(jobID: 9, attempt: 1, token: 77, kind: "echo",
                                       params: ["text": "hello, wörld"], timeoutMs: 1_000)

    static var workerMessages: [WorkerMessage] {
        [
            .hello(.init(name: "worker-1", slots: 4, credit: 4, tags: ["gpu"], kinds: ["noop", "echo"], held: [lease])),
            .hello(.init(name: "", slots: 0, credit: 0, tags: [], kinds: [], held: [])),
            .hello(.init(name: "wörker-ü", slots: .max, credit: .max, tags: ["a", "b", "c"], kinds: ["x"],
                         held: (1...100).map { Lease(jobID: $0, attempt: UInt32($0), token: $0 * 3) })),
            .credit(0),
            .credit(.max),
            .started([]),
            .started([lease, Lease(jobID: 1, attempt: 1, token: 1)]),
            .results(credit: 3, [result]),
            .results(credit: 0, []),
            .results(credit: 1, [AttemptResult(lease: lease, outcome: .succeeded, outputs: ["model": "sha256:ab:12"]), result]),
            .results(credit: 1, [AttemptResult(lease: lease, outcome: .succeeded)]),
            .results(credit: 2, [.succeeded, .failed, .cancelled, .timedOut, .handedBack].map {
                AttemptResult(lease: lease, outcome: $0, metrics: ["m": 1], message: "§", durationMicros: 5)
            }),
            .heartbeat,
            .bye(handedBack: []),
            .bye(handedBack: [lease]),
            .logs([]),
            .logs([LogChunk(lease: lease, stream: .stdout, seq: 1, bytes: Array("epoch 1 loss 0.3\n".utf8)),
                   LogChunk(lease: lease, stream: .stderr, seq: 7, bytes: [0, 255, 10])]),
        ]
    }

    static var coordinatorMessages: [CoordinatorMessage] {
        [
            .welcome(.init(epoch: 3, heartbeatMs: 1_000, liveness: 3, leaseMs: 10_000)),
            .assign([]),
            .assign([assignment]),
            .assign((1...500).map { Assignment(jobID: $0, attempt: 1, token: $0, kind: "noop", params: [:], timeoutMs: 0) }),
            .resultAck([]),
            .resultAck([lease]),
            .cancel([lease, lease]),
            .heartbeat,
            .disconnect(reason: "unknown worker; send HELLO"),
            .disconnect(reason: ""),
            .error(.malformed, "bad frame ✗"),
            .error(.unknownWorker, ""),
        ]
    }

    static var clientRequests: [ClientRequest] {
        [
            .submit(requestID: 1, watch: false, jobs: []),
            .submit(requestID: 2, watch: true, jobs: [plainSpec, unicodeSpec]),
            .submit(requestID: .max, watch: false,
                    jobs: (0..<10_000).map { JobSpec(kind: "noop", params: ["i": "\($0)"], priority: .low) }),
            .query(requestID: 3, name: "status", body: []),
            .query(requestID: 4, name: "job", body: Array(#"{"id":1}"#.utf8)),
            .watch(requestID: 5, jobIDs: []),
            .watch(requestID: 6, jobIDs: [1, 2, .max]),
            .command(requestID: 7, name: "cancel", body: Array(#"{"id":42}"#.utf8)),
        ]
    }

    static var clientReplies: [ClientReply] {
        [
            .submitted(requestID: 1, jobIDs: []),
            .submitted(requestID: 2, jobIDs: Array(1...10_000)),
            .busy(requestID: 3, retryAfterMs: 100, queued: 1_000_000, limit: 1_000_000),
            .reply(requestID: 4, code: 0, body: Array(#"{"ok":true,"name":"Ünï"}"#.utf8)),
            .reply(requestID: 5, code: 4, body: []),
            .done([]),
            .done(JobState.allCases.enumerated().map { .init(jobID: JobID($0.offset + 1), state: $0.element) }),
            .error(requestID: 6, .badRequest, "job kind is empty"),
        ]
    }

    /// Every sample, encoded.
    static var allFrames: [[UInt8]] {
        workerMessages.map { $0.encode() } + coordinatorMessages.map { $0.encode() }
            + clientRequests.map { $0.encode() } + clientReplies.map { $0.encode() }
    }

    /// Small frames only (the large batches make per-offset loops slow in debug builds).
    static var smallFrames: [[UInt8]] { allFrames.filter { $0.count <= 512 } }
}

/// Runs every decoder on a frame; returns how many accepted it. Never traps.
@discardableResult
func decodeWithEveryDecoder(_ frame: [UInt8]) -> Int {
    var accepted = 0
    if (try? WorkerMessage.decode(frame)) != nil { accepted += 1 }
    if (try? CoordinatorMessage.decode(frame)) != nil { accepted += 1 }
    if (try? ClientRequest.decode(frame)) != nil { accepted += 1 }
    if (try? ClientReply.decode(frame)) != nil { accepted += 1 }
    return accepted
}

/// Header bytes followed by `body`, for hand-built hostile frames.
func frame(command: UInt8, _ body: [UInt8] = [], version: UInt8 = Envelope.version) -> [UInt8] {
    [Envelope.magic.0, Envelope.magic.1, version, command] + body
}

func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
