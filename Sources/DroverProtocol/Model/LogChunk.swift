/// A piece of a running command's stdout or stderr, sent by its worker in LOGS (docs/protocol.md).
/// `seq` counts the chunks of one attempt's stream from 1; a chunk the worker had to drop (its
/// budget was full) still used up its number, so the coordinator sees the gap and marks it.
public struct LogChunk: Sendable, Equatable {
    public enum Stream: UInt8, Sendable, CaseIterable {
        /// `metrics`: the lines a command appends to `$DROVER_METRICS`, streamed as it runs.
        case stdout = 1, stderr = 2, metrics = 3
        public var name: String {
            switch self {
            case .stdout: "stdout"
            case .stderr: "stderr"
            case .metrics: "metrics"
            }
        }
    }

    /// Largest `bytes` a worker sends in one chunk.
    public static let maxBytes = 16 << 10

    public var lease: Lease
    public var stream: Stream
    public var seq: UInt64
    public var bytes: [UInt8]

    public init(lease: Lease, stream: Stream, seq: UInt64, bytes: [UInt8]) {
        self.lease = lease
        self.stream = stream
        self.seq = seq
        self.bytes = bytes
    }

    func encode(into w: inout ByteWriter) {
        lease.encode(into: &w)
        w.u8(stream.rawValue)
        w.u64(seq)
        w.blob(bytes)
    }

    static func decode(from r: inout ByteReader) throws(DecodeError) -> LogChunk {
        let lease = try Lease.decode(from: &r)
        let s = try r.u8("logs.stream")
        guard let stream = Stream(rawValue: s) else { throw .invalidValue(field: "logs.stream", value: Int(s)) }
        return LogChunk(lease: lease, stream: stream, seq: try r.u64("logs.seq"), bytes: try r.blob("logs.bytes", limit: maxBytes))
    }
}
