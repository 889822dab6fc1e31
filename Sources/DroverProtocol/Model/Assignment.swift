/// One attempt of a job sent to a worker. `(jobID, attempt, token)` fences it: a result is
/// committed only if its token is the job's current lease token (docs/protocol.md, "Leases").
public struct Assignment: Sendable, Equatable {
    public var jobID: JobID
    public var attempt: UInt32
    public var token: UInt64
    public var kind: String
    public var params: [String: String]
    public var timeoutMs: UInt32

    public init(jobID: JobID, attempt: UInt32, token: UInt64, kind: String, params: [String: String], timeoutMs: UInt32) {
        self.jobID = jobID
        self.attempt = attempt
        self.token = token
        self.kind = kind
        self.params = params
        self.timeoutMs = timeoutMs
    }

    public var lease: Lease { Lease(jobID: jobID, attempt: attempt, token: token) }

    func encode(into w: inout ByteWriter) {
        w.u64(jobID)
        w.u32(attempt)
        w.u64(token)
        w.string(kind)
        w.stringMap(params)
        w.u32(timeoutMs)
    }

    static func decode(from r: inout ByteReader) throws(DecodeError) -> Assignment {
        Assignment(jobID: try r.u64("assign.jobID"), attempt: try r.u32("assign.attempt"),
                   token: try r.u64("assign.token"), kind: try r.string("assign.kind", limit: 256),
                   params: try r.stringMap("assign.params"), timeoutMs: try r.u32("assign.timeoutMs"))
    }
}

/// The identity of one attempt: what a worker holds and what a result must name.
public struct Lease: Sendable, Hashable {
    public var jobID: JobID
    public var attempt: UInt32
    public var token: UInt64

    public init(jobID: JobID, attempt: UInt32, token: UInt64) {
        self.jobID = jobID
        self.attempt = attempt
        self.token = token
    }

    func encode(into w: inout ByteWriter) {
        w.u64(jobID)
        w.u32(attempt)
        w.u64(token)
    }

    static func decode(from r: inout ByteReader) throws(DecodeError) -> Lease {
        Lease(jobID: try r.u64("lease.jobID"), attempt: try r.u32("lease.attempt"), token: try r.u64("lease.token"))
    }
}

/// The end of one attempt, reported by a worker.
public struct AttemptResult: Sendable, Equatable {
    public var lease: Lease
    public var outcome: Outcome
    public var metrics: [String: Double]
    /// Error text for failures; empty on success.
    public var message: String
    public var durationMicros: UInt64
    /// Artifacts the attempt produced (name → `sha256:` digest). On the wire they follow the
    /// whole RESULTS list as an optional trailer (docs/protocol.md), so RESULTS without
    /// outputs are byte-for-byte what earlier workers send.
    public var outputs: [String: String]

    public init(lease: Lease, outcome: Outcome, metrics: [String: Double] = [:], message: String = "", durationMicros: UInt64 = 0,
                outputs: [String: String] = [:]) {
        self.outputs = outputs
        self.lease = lease
        self.outcome = outcome
        self.metrics = metrics
        self.message = message
        self.durationMicros = durationMicros
    }

    func encode(into w: inout ByteWriter) {
        lease.encode(into: &w)
        w.u8(outcome.rawValue)
        w.metricMap(metrics)
        w.string(message)
        w.u64(durationMicros)
    }

    static func decode(from r: inout ByteReader) throws(DecodeError) -> AttemptResult {
        let lease = try Lease.decode(from: &r)
        let o = try r.u8("result.outcome")
        guard let outcome = Outcome(rawValue: o) else { throw .invalidValue(field: "result.outcome", value: Int(o)) }
        return AttemptResult(lease: lease, outcome: outcome, metrics: try r.metricMap("result.metrics"),
                             message: try r.string("result.message"), durationMicros: try r.u64("result.durationMicros"))
    }
}
