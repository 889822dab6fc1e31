import DroverProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows `$DROVER_METRICS` while the command runs and offers each complete new line to the
/// attempt's `LogTap` as the `metrics` stream, so metrics reach the coordinator during the run
/// (docs/commands.md, "Metrics while the job runs"). A line is sent only once its newline is
/// written. The file waits on disk while the tap is half full (back-pressure instead of the
/// dropping stdout gets: a curve should not lose points). Runs on the supervisor's thread.
struct MetricsTail {
    let path: String
    private var fd: Int32 = -1
    private var offset: Int64 = 0
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)
    /// Bytes after the last newline seen, waiting for the rest of their line.
    private var partial: [UInt8] = []
    /// A line longer than this is not a metric: it is dropped (the end-of-run read counts it).
    static let maxLine = 64 << 10

    init(path: String) { self.path = path }

    /// Offers the complete lines appended since the last pass, as far as the tap has room.
    mutating func poll(_ tap: LogTap) {
        let room = tap.budget / 2 - tap.waitingBytes
        guard room >= LogChunk.maxBytes else { return }
        if fd < 0 {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { return }
        }
        var st = stat()
        guard fstat(fd, &st) == 0, Int64(st.st_size) > offset else { return }
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, min($0.count, room), off_t(offset)) }
        guard n > 0 else { return }
        offset += Int64(n)
        let chunk = buffer[0..<n]
        guard let lastNewline = chunk.lastIndex(of: UInt8(ascii: "\n")) else {
            partial += chunk
            if partial.count > Self.maxLine { partial = [] }
            return
        }
        var lines = partial + chunk[...lastNewline]
        partial = Array(chunk[(lastNewline + 1)...])
        lines.withUnsafeMutableBytes { tap.offer(.metrics, UnsafeRawBufferPointer($0)) }
    }

    /// Whether the file holds bytes not read yet.
    var hasMore: Bool {
        var st = stat()
        return fd >= 0 && fstat(fd, &st) == 0 && Int64(st.st_size) > offset
    }

    /// After the command ended: streams the rest of the file as the socket thread takes it, for
    /// at most `seconds` (the final metric set is read from the file anyway).
    mutating func drain(_ tap: LogTap, seconds: Int64) {
        let until = ContinuousClock.now + .seconds(seconds)
        poll(tap)
        while hasMore, ContinuousClock.now < until {
            usleep(5_000)
            poll(tap)
        }
    }

    mutating func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
