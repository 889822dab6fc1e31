#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DroverML

/// Everything needed to start one command attempt (resolved and checked by `CommandPolicy`).
struct CommandLaunch: Sendable {
    var executable: String
    var argv: [String]
    var environment: [String]
    var directory: String
    /// Between SIGTERM to the group and SIGKILL to the group, once the attempt is stopped.
    var graceMs: Int64
    var stdoutPath: String
    var stderrPath: String
    /// Per stream; bytes beyond it are read and dropped (counted), so the job never blocks on a full pipe.
    var maxLogBytes: Int64
    /// How much of the end of each stream is kept in memory for the job's record.
    var tailBytes: Int
    /// Streams the output to the coordinator as it is read.
    var logs: LogTap?
    /// `$DROVER_METRICS`, followed while the command runs when `logs` is set.
    var metricsPath: String?
    /// The attempt's cgroups, which the program joins before it starts (`joinScript` in the wrapper).
    var cgroup: AttemptCgroup?
}

/// How a command attempt ended and what it printed.
struct CommandOutcome: Sendable {
    var status: ExitStatus
    /// The attempt was stopped (cancel, timeout, shutdown) and the group was signalled.
    var stopped = false
    /// SIGKILL was needed after the grace period.
    var killedAfterGrace = false
    var stdout = StreamLog()
    var stderr = StreamLog()
    var seconds: Double = 0
    /// OOM kills and peak memory of the attempt's memory cgroup, when it had one.
    var cgroup: CgroupReport?
}

/// One output stream: bytes seen, bytes dropped over the limit, and its last bytes.
struct StreamLog: Sendable {
    var bytes: Int64 = 0
    var dropped: Int64 = 0
    var tail: [UInt8] = []

    var tailText: String { String(decoding: tail, as: UTF8.self) }
}

/// Runs a command to its end on the calling thread, which must be a thread of its own (never the
/// cooperative pool): it blocks in `poll` and `waitid`. Reads stdout and stderr into log files
/// (bounded) and in-memory tails, watches the cancellation token, and escalates SIGTERM → grace →
/// SIGKILL to the whole process group. When the leader exits, whatever is left of its group
/// (children that outlive it) is killed too, and with cgroups everything left in the attempt's
/// cgroup (descendants that left the group with `setsid`), and the attempt ends only once the
/// cgroup is empty: a finished attempt leaves nothing running.
enum CommandSupervisor {
    static func run(_ launch: CommandLaunch, cancellation: CancellationToken) throws -> CommandOutcome {
        let began = ContinuousClock.now
        let outPipe = try makePipe(), errPipe = try makePipe()
        var readEnds = [outPipe.read, errPipe.read]
        defer { for fd in readEnds where fd >= 0 { close(fd) } }
        let group: ProcessGroup
        do {
            defer { close(outPipe.write); close(errPipe.write) }
            group = try ProcessGroup.spawn(executable: launch.executable, argv: launch.argv, environment: launch.environment,
                                           directory: launch.directory, stdout: outPipe.write, stderr: errPipe.write)
        }
        var sinks = [try LogSink(path: launch.stdoutPath, limit: launch.maxLogBytes, tailBytes: launch.tailBytes),
                     try LogSink(path: launch.stderrPath, limit: launch.maxLogBytes, tailBytes: launch.tailBytes)]
        var finished = false
        defer { if !finished { for i in sinks.indices { _ = sinks[i].finish() } } }

        var termAt: ContinuousClock.Instant?
        var killed = false
        var idleMicros: UInt32 = 50
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var status: ExitStatus?
        var metrics = launch.logs != nil ? launch.metricsPath.map(MetricsTail.init) : nil
        defer { metrics?.close() }
        while status == nil {
            if let tap = launch.logs { metrics?.poll(tap) }
            status = group.exitedStatus()
            if status != nil { break }
            if cancellation.isCancelled, termAt == nil {
                group.signalGroup(SIGTERM)
                launch.cgroup?.signal(SIGTERM) // descendants that left the group too
                termAt = .now
            }
            if let t = termAt, !killed, ContinuousClock.now - t >= .milliseconds(launch.graceMs) {
                group.signalGroup(SIGKILL)
                launch.cgroup?.killAll()
                killed = true
            }
            if readEnds.contains(where: { $0 >= 0 }) {
                pump(&readEnds, into: &sinks, tap: launch.logs, buffer: &buffer, timeoutMs: 20)
            } else {
                // Both pipes closed but the leader runs on: poll its exit with a short backoff
                // (fast for `true`, cheap for a long quiet job).
                usleep(idleMicros)
                idleMicros = min(idleMicros * 2, 20_000)
            }
        }
        // The leader has exited but is not reaped yet, so its group id cannot be reused: kill
        // what is left of the group, then read the pipes to their end (bounded, in case a
        // descendant left the group with setsid and keeps them open).
        group.signalGroup(SIGKILL)
        launch.cgroup?.killAll()
        let drainUntil = ContinuousClock.now + .seconds(2)
        while readEnds.contains(where: { $0 >= 0 }), ContinuousClock.now < drainUntil {
            pump(&readEnds, into: &sinks, tap: launch.logs, buffer: &buffer, timeoutMs: 20)
        }
        group.reap()
        launch.cgroup?.killAndWait()
        if let tap = launch.logs { metrics?.drain(tap, seconds: 10) }
        finished = true
        let took = ContinuousClock.now - began
        return CommandOutcome(status: status ?? .exited(code: -1), stopped: termAt != nil, killedAfterGrace: killed,
                              stdout: sinks[0].finish(), stderr: sinks[1].finish(),
                              seconds: Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18,
                              cgroup: launch.cgroup?.report())
    }

    /// Waits up to `timeoutMs` for output, then reads what is there; a closed pipe is set to -1.
    private static func pump(_ fds: inout [Int32], into sinks: inout [LogSink], tap: LogTap?, buffer: inout [UInt8], timeoutMs: Int32) {
        var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&polls, nfds_t(polls.count), timeoutMs)
        guard ready > 0 else { return }
        for i in polls.indices where polls[i].fd >= 0 && polls[i].revents != 0 {
            // Read until the pipe is empty (non-blocking) or closed; a flood is bounded per pass.
            for _ in 0..<16 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i], $0.baseAddress, $0.count) }
                if n > 0 {
                    buffer.withUnsafeBytes { all in
                        let read = UnsafeRawBufferPointer(rebasing: all[0..<n])
                        sinks[i].append(read)
                        tap?.offer(i == 0 ? .stdout : .stderr, read)
                    }
                    continue
                }
                if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(fds[i])
                    fds[i] = -1
                }
                break
            }
        }
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard let pipe2 = GNULibc.pipe2 else { throw CommandError.system("pipe2", ENOSYS) }
        guard pipe2(&fds, O_CLOEXEC) == 0 else { throw CommandError.system("pipe2", errno) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }
}

/// A log file that stops growing at its limit (the rest is counted as dropped) and the stream's tail.
struct LogSink {
    let fd: Int32
    let limit: Int64
    let tailBytes: Int
    var log = StreamLog()

    init(path: String, limit: Int64, tailBytes: Int) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandError.system("open \(path)", errno) }
        self.limit = limit
        self.tailBytes = tailBytes
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let room = max(0, limit - log.bytes + log.dropped)
        let keep = Int(min(Int64(bytes.count), room))
        if keep > 0 { writeAll(UnsafeRawBufferPointer(rebasing: bytes[0..<keep])) }
        log.dropped += Int64(bytes.count - keep)
        log.bytes += Int64(bytes.count)
        log.tail.append(contentsOf: bytes.suffix(tailBytes))
        if log.tail.count > 2 * tailBytes { log.tail.removeFirst(log.tail.count - tailBytes) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return } // disk full: the log stops, the job goes on
            offset += n
        }
    }

    /// Closes the file; the log with its tail cut to `tailBytes`.
    mutating func finish() -> StreamLog {
        close(fd)
        log.tail = Array(log.tail.suffix(tailBytes))
        return log
    }
}

/// A system call the supervisor needs failed.
enum CommandError: Error, CustomStringConvertible {
    case system(String, Int32)

    var description: String {
        switch self {
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
