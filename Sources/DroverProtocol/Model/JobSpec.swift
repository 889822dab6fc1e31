/// A job's identity: assigned by the coordinator, unique for the life of its data directory.
public typealias JobID = UInt64

/// Dispatch priority: every queued high job is offered before any normal, normal before low.
public enum Priority: UInt8, Sendable, Codable, CaseIterable, Comparable {
    case high = 0, normal = 1, low = 2

    public init?(name: String) {
        switch name.lowercased() {
        case "high": self = .high
        case "normal": self = .normal
        case "low": self = .low
        default: return nil
        }
    }

    public var name: String {
        switch self { case .high: "high"; case .normal: "normal"; case .low: "low" }
    }

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
}

/// What a client asks to run. Everything a worker needs travels in `kind` and `params`;
/// large inputs travel as artifact digests inside `params`, never inline (DESIGN.md).
public struct JobSpec: Sendable, Equatable, Codable {
    /// Executor name on the worker: `noop`, `sleep`, `echo`, `fail`, … .
    public var kind: String
    public var params: [String: String]
    public var priority: Priority
    /// Resource tags the worker must offer (e.g. `gpu`), all of them.
    public var tags: [String]
    /// Retries after the job itself fails (application errors); worker loss has its own budget.
    public var maxRetries: UInt16
    /// Wall-clock limit for one attempt, in milliseconds; 0 = none.
    public var timeoutMs: UInt32
    /// Client-chosen key: a second submit with the same key returns the first job's id.
    public var idempotencyKey: String?

    public init(
        kind: String, params: [String: String] = [:], priority: Priority = .normal,
        tags: [String] = [], maxRetries: UInt16 = 0, timeoutMs: UInt32 = 0, idempotencyKey: String? = nil
    ) {
        self.kind = kind
        self.params = params
        self.priority = priority
        self.tags = tags
        self.maxRetries = maxRetries
        self.timeoutMs = timeoutMs
        self.idempotencyKey = idempotencyKey
    }
}

extension JobSpec {
    public func encode(into w: inout ByteWriter) {
        w.string(kind)
        w.stringMap(params)
        w.u8(priority.rawValue)
        w.strings(tags)
        w.u16(maxRetries)
        w.u32(timeoutMs)
        w.string(idempotencyKey ?? "")
    }

    public static func decode(from r: inout ByteReader) throws(DecodeError) -> JobSpec {
        let kind = try r.string("job.kind", limit: 256)
        let params = try r.stringMap("job.params")
        let p = try r.u8("job.priority")
        guard let priority = Priority(rawValue: p) else { throw .invalidValue(field: "job.priority", value: Int(p)) }
        let tags = try r.strings("job.tags", limit: 64)
        let retries = try r.u16("job.maxRetries")
        let timeout = try r.u32("job.timeoutMs")
        let key = try r.string("job.idempotencyKey", limit: 1024)
        return JobSpec(kind: kind, params: params, priority: priority, tags: tags,
                       maxRetries: retries, timeoutMs: timeout, idempotencyKey: key.isEmpty ? nil : key)
    }
}
