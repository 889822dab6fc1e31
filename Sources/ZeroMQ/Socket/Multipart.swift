/// A multipart message stored in one reusable byte buffer: frames are concatenated in ``bytes`` and
/// delimited by end offsets. Receiving into the same `Multipart` again (``ZMQSocket/receive(into:dontWait:)``)
/// reuses its capacity, so a steady-state receive loop allocates nothing.
public struct Multipart: Sendable, Equatable {
    /// All frames back to back.
    public private(set) var bytes: [UInt8] = []
    /// End offset (exclusive) of each frame in `bytes`.
    private var ends: [Int] = []
    /// The sender's ZAP user id (`User-Id` property), when received with `readUserId: true`.
    public var userId: String?
    /// The file descriptor of the connection it arrived on, when received with `readSourceFD: true`.
    public var sourceFD: Int32?

    public init() {}

    public init(_ frames: [[UInt8]]) {
        for f in frames { append(f) }
    }

    /// Number of frames.
    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    /// Frame `index` as a slice of ``bytes`` (no copy).
    public subscript(index: Int) -> ArraySlice<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes[start..<ends[index]]
    }

    /// Each frame copied out as an array.
    public var frames: [[UInt8]] { (0..<count).map { Array(self[$0]) } }

    /// Appends a frame.
    public mutating func append(_ frame: some FrameBytes) {
        frame.withUnsafeBytes { appendRaw($0) }
    }

    mutating func appendRaw(_ raw: UnsafeRawBufferPointer) {
        if raw.count > 0 {
            bytes.append(contentsOf: raw.bindMemory(to: UInt8.self))
        }
        ends.append(bytes.count)
    }

    /// Empties the message, keeping the capacity for the next receive.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        userId = nil
        sourceFD = nil
    }

    /// Calls `body` with each frame's index and bytes, in order, while it returns `true`.
    func forEachFrame(_ body: (Int, UnsafeRawBufferPointer) -> Bool) {
        bytes.withUnsafeBytes { all in
            var start = 0
            for (i, end) in ends.enumerated() {
                guard body(i, UnsafeRawBufferPointer(rebasing: all[start..<end])) else { return }
                start = end
            }
        }
    }
}
