#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn` as the leader of a new process group, so one
/// `kill(-pgid, …)` reaches it and every descendant that stays in the group (grandchildren
/// included).
///
/// Why `posix_spawn` and not swift-subprocess: the supervisor must poll two pipes, a
/// cancellation token and the child's exit from one dedicated thread, escalate SIGTERM → SIGKILL
/// to the whole group *before* the leader is reaped (so the group id cannot be reused), and reset
/// every signal disposition in the child (the worker ignores SIGTERM/SIGINT for its own graceful
/// shutdown, and ignored signals survive `exec`). posix_spawn does all of that with flags and
/// needs no async runtime on a blocking thread.
struct ProcessGroup {
    let pid: pid_t

    /// Spawns `executable` with `argv` and `environment` in `directory`, stdin from /dev/null (or
    /// `stdin`), stdout and stderr to the given descriptors (duplicated; the caller keeps and
    /// closes its own).
    static func spawn(executable: String, argv: [String], environment: [String], directory: String,
                      stdin: Int32? = nil, stdout: Int32, stderr: Int32) throws(SpawnError) -> ProcessGroup {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        guard let addchdir = GNULibc.addchdir else { throw SpawnError(executable: executable, code: ENOSYS) }
        let chdirResult = addchdir(&actions, directory)
        guard chdirResult == 0 else { throw SpawnError(executable: executable, code: chdirResult) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = cArgv.withUnsafeBufferPointer { a in
            cEnv.withUnsafeBufferPointer { e in
                posix_spawn(&pid, executable, &actions, &attributes, a.baseAddress!, e.baseAddress!)
            }
        }
        guard rc == 0 else { throw SpawnError(executable: executable, code: rc) }
        return ProcessGroup(pid: pid)
    }

    /// Sends `signal` to every process of the group (ESRCH once it is empty is fine).
    func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// The leader's exit, without reaping it (`WNOWAIT`), or nil while it runs.
    func exitedStatus() -> ExitStatus? {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 {
            guard errno == EINTR else { return .exited(code: -1) } // ECHILD: already reaped
        }
        guard info._sifields._sigchld.si_pid == pid else { return nil } // WNOHANG and still running
        return ExitStatus(info)
    }

    /// Reaps the leader once `exitedStatus` has seen its exit.
    func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}

/// How a process ended.
enum ExitStatus: Equatable, Sendable {
    case exited(code: Int32)
    case signalled(Int32)

    init(_ info: siginfo_t) {
        let status = info._sifields._sigchld.si_status
        self = Int(info.si_code) == Int(CLD_EXITED) ? .exited(code: status) : .signalled(status)
    }
}

/// glibc functions that Swift's Glibc module does not declare (they need `_GNU_SOURCE`), looked
/// up once with `dlsym` and called with the C calling convention.
enum GNULibc {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// `posix_spawn_file_actions_addchdir_np` (glibc ≥ 2.29): the child's working directory.
    static let addchdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    /// `pipe2`: a pipe created close-on-exec atomically, so no concurrently spawned child inherits it.
    static let pipe2: Pipe2? = symbol("pipe2")

    private static func symbol<T>(_ name: String) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: T.self)
    }
}

/// `posix_spawn` failed (the executable vanished or cannot run, or the system is out of processes).
struct SpawnError: Error, CustomStringConvertible {
    var executable: String
    var code: Int32
    var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}
