/// `logs` → `LogsReply`: what a command job printed, as streamed by its worker (docs/commands.md).
/// Body `{"id": N, "stream": "stdout", "offset": 0}`; `attempt` defaults to the newest one with logs.
public struct LogsQuery: CoordinatorQuery, Equatable {
    public typealias Reply = LogsReply
    public static let name = "logs"
    public var id: JobID
    public var attempt: UInt32?
    public var stream: String
    public var offset: Int64

    public init(id: JobID, attempt: UInt32? = nil, stream: String = "stdout", offset: Int64 = 0) {
        self.id = id
        self.attempt = attempt
        self.stream = stream
        self.offset = offset
    }
}

/// Up to 1 MiB of one stream from `offset`; ask again from `nextOffset` for more.
public struct LogsReply: Codable, Sendable, Equatable {
    public var id: JobID
    /// The attempt these logs belong to (0 when none has logs yet).
    public var attempt: UInt32
    public var stream: String
    public var offset: Int64
    public var nextOffset: Int64
    /// The bytes as UTF-8 text (cut at a character boundary). Lost chunks appear as a line
    /// `[drover: N chunk(s) of output lost]`.
    public var text: String
    /// The job has ended: once `text` comes back empty, there is nothing more to follow.
    public var ended: Bool

    public init(id: JobID, attempt: UInt32, stream: String, offset: Int64, nextOffset: Int64, text: String, ended: Bool) {
        self.id = id
        self.attempt = attempt
        self.stream = stream
        self.offset = offset
        self.nextOffset = nextOffset
        self.text = text
        self.ended = ended
    }
}
