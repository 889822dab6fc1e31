#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows `$DROVER_METRICS` while the command runs and offers each complete new line to the
/// attempt's `LogTap` as the `metrics` stream, so metrics reach the coordinator during the run
/// (docs/commands.md, "Metrics while the job runs"). Reads at most `maxPerPoll` bytes a pass;
/// a line is sent only once its newline is written. Runs on the supervisor's thread.
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

    /// Offers the complete lines appended since the last pass.
    mutating func poll(_ tap: LogTap) {
        if fd < 0 {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { return }
        }
        var st = stat()
        guard fstat(fd, &st) == 0, Int64(st.st_size) > offset else { return }
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
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

    mutating func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
