#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DroverML
import Foundation
import Synchronization

/// Warm Python interpreters for command jobs that name modules to `preload` (docs/commands.md):
/// what Ray gets from reusing workers and Celery and Gunicorn from a preforked pool. Per
/// interpreter, preload list, working directory and environment, one zygote process imports the
/// modules once; each attempt then starts a small launcher in its place (the attempt's pipes,
/// process group, cgroups and limits, as any command) which has the zygote fork a child that runs
/// the program (`WarmPythonSource`). A trial of a sweep then pays a fork, not `import sklearn`.
///
/// Zygotes live as long as the worker (at most `maxZygotes`, least recently used closed first);
/// each one's stdin is a pipe from the worker, so it exits when the worker does, even on
/// SIGKILL. One that died is started again on next use. Blocking (spawning, waiting for a
/// zygote's imports): call from an attempt's own thread, never the cooperative pool.
public final class WarmInterpreters: Sendable {
    struct Key: Hashable {
        var executable: String
        var modules: [String]
        var directory: String
        var environment: [String]
    }

    struct Zygote {
        var process: ProcessGroup
        /// The write end of the zygote's stdin: closing it stops the zygote.
        var control: Int32
        var socket: String
        var lastUse: UInt64
    }

    struct State {
        var directory: String?
        var zygotes: [Key: Zygote] = [:]
        var clock: UInt64 = 0
        var started = 0
    }

    static let maxZygotes = 8
    /// How long a zygote may take to import its modules before the attempt fails.
    static let startTimeout: Duration = .seconds(300)

    private let state = Mutex(State())

    public init() {}

    /// Environment variables that differ per attempt: the child gets them, the zygote's key ignores them.
    static let perAttemptVariables: Set<String> = [
        "DROVER_JOB_ID", "DROVER_ATTEMPT", "DROVER_RUN_ID", "DROVER_OUTPUT_DIR", "DROVER_INPUT_DIR", "DROVER_METRICS", "TMPDIR",
    ]

    /// The directory of the Python file and sockets, once the first zygote started; the zygotes' pids.
    var directory: String? { state.withLock { $0.directory } }
    var zygotePIDs: [pid_t] { state.withLock { $0.zygotes.values.map(\.process.pid) } }

    /// How many zygotes were started so far (a zygote that died and was started again counts twice).
    public var started: Int { state.withLock { $0.started } }

    /// The launcher's program and argv for an attempt of `program argv…` with `modules` preloaded,
    /// starting (or reusing) the zygote. `argv[0]` is the interpreter as the job named it.
    func launcher(program: String, argv: [String], modules: [String], directory: String,
                  environment: [String], cgroupProcs: [String], cancellation: CancellationToken) throws(JobFailure) -> [String] {
        let shared = environment.filter { entry in
            !Self.perAttemptVariables.contains(String(entry.prefix { $0 != "=" }))
        }
        let key = Key(executable: program, modules: modules, directory: directory, environment: shared)
        let (dir, socket) = try state.withLock { (s) throws(JobFailure) -> (String, String) in
            let dir = try Self.directory(&s)
            s.clock += 1
            if let z = s.zygotes[key], z.process.exitedStatus() == nil {
                s.zygotes[key]?.lastUse = s.clock
                return (dir, z.socket)
            }
            if let dead = s.zygotes.removeValue(forKey: key) { Self.stop(dead) }
            if s.zygotes.count >= Self.maxZygotes, let oldest = s.zygotes.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                Self.stop(oldest.value)
                s.zygotes[oldest.key] = nil
            }
            let z = try Self.start(key, in: dir, lastUse: s.clock, cancellation: cancellation)
            s.zygotes[key] = z
            s.started += 1
            return (dir, z.socket)
        }
        var out = [program, "-S", dir + "/" + WarmPythonSource.fileName, "launch", socket]
        for path in cgroupProcs { out += ["--cgroup-procs", path] }
        return out + ["--"] + argv.dropFirst()
    }

    /// Stops every zygote (worker shutdown; tests).
    public func stopAll() {
        state.withLock { s in
            for z in s.zygotes.values { Self.stop(z) }
            s.zygotes = [:]
        }
    }

    /// Stops the zygotes and removes their directory (the Python file, their stderr files).
    deinit {
        stopAll()
        if let dir = directory { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// A private directory (0700) holding the Python file and the zygotes' sockets, made once.
    private static func directory(_ s: inout State) throws(JobFailure) -> String {
        if let d = s.directory { return d }
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/drover-warm-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw JobFailure("preload: cannot make a directory for warm interpreters under \(base): \(String(cString: strerror(errno)))")
        }
        let dir = String(cString: made)
        guard FileManager.default.createFile(atPath: dir + "/" + WarmPythonSource.fileName, contents: Data(WarmPythonSource.text.utf8)) else {
            throw JobFailure("preload: cannot write \(dir)/\(WarmPythonSource.fileName)")
        }
        s.directory = dir
        return dir
    }

    /// Spawns a zygote and waits for its `ready SOCKET` line (or its end, with its stderr as the reason).
    private static func start(_ key: Key, in dir: String, lastUse: UInt64, cancellation: CancellationToken) throws(JobFailure) -> Zygote {
        guard let pipe2 = GNULibc.pipe2 else { throw JobFailure("preload: pipe2 is unavailable") }
        var control: [Int32] = [0, 0], ready: [Int32] = [0, 0]
        guard pipe2(&control, O_CLOEXEC) == 0, pipe2(&ready, O_CLOEXEC) == 0 else {
            throw JobFailure("preload: pipe2 failed: \(String(cString: strerror(errno)))")
        }
        let errPath = dir + "/zygote-\(UUID().uuidString.prefix(8)).err"
        let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let argv = [key.executable, dir + "/" + WarmPythonSource.fileName, "zygote", dir] + key.modules
        let process: ProcessGroup
        do {
            process = try ProcessGroup.spawn(executable: key.executable, argv: argv, environment: key.environment,
                                             directory: key.directory, stdin: control[0], stdout: ready[1],
                                             stderr: errFD >= 0 ? errFD : ready[1])
        } catch {
            for fd in [errFD, control[0], control[1], ready[0], ready[1]] where fd >= 0 { close(fd) }
            throw JobFailure("preload: \(error)")
        }
        // Only the zygote holds these now: its exit is EOF on `ready`.
        for fd in [errFD, control[0], ready[1]] where fd >= 0 { close(fd) }
        let line = readLine(ready[0], until: .now + startTimeout, unless: cancellation)
        close(ready[0])
        guard let line, line.hasPrefix("ready ") else {
            close(control[1])
            process.signalGroup(SIGKILL)
            process.reap()
            let reason = ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines).suffix(1_500)
            unlink(errPath)
            throw JobFailure(line == nil && reason.isEmpty
                ? "preload: the interpreter \(key.executable) did not import \(key.modules.joined(separator: ", ")) within \(startTimeout)"
                : "preload: the interpreter \(key.executable) could not start a warm interpreter with \(key.modules.joined(separator: ", ")): \(reason.isEmpty ? "it said '\(line ?? "")'" : String(reason))"
                    + (reason.contains("drover: preload") ? "" : " (preload needs the program to be a Python 3.9 or newer interpreter)"))
        }
        return Zygote(process: process, control: control[1], socket: String(line.dropFirst(6)), lastUse: lastUse)
    }

    private static func stop(_ z: Zygote) {
        close(z.control)
        z.process.reap()
    }

    /// The first line from `fd` before `deadline`, or nil on EOF, timeout or cancellation.
    private static func readLine(_ fd: Int32, until deadline: ContinuousClock.Instant, unless cancellation: CancellationToken) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while ContinuousClock.now < deadline, !cancellation.isCancelled {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) >= 0 || errno == EINTR else { return nil }
            guard p.revents != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            bytes += buffer[0..<n]
            if let end = bytes.firstIndex(of: UInt8(ascii: "\n")) { return String(decoding: bytes[..<end], as: UTF8.self) }
        }
        return nil
    }
}
