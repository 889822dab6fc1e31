#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a finished (not stopped) command attempt failed, in words for the job's record, or nil
/// when it succeeded. Pure: decided from the exit status, the limits asked for and stderr's tail.
enum CommandVerdict {
    static func failure(_ outcome: CommandOutcome, request: CommandJobRequest) -> String? {
        let tail = outcome.stderr.tailText.trimmingTrailingNewlines
        let shownTail = tail.isEmpty ? " (stderr was empty)" : "; stderr tail:\n" + tail
        if let limit = request.memoryBytes, ranOutOfMemory(outcome.status, stderr: tail) {
            return "out of memory: the command exceeded its memory limit of \(limit) bytes (RLIMIT_AS; \(outcome.status.text))" + shownTail
        }
        switch outcome.status {
        case .exited(code: 0):
            return nil
        case .exited(let code):
            return "command exited with status \(code)" + shownTail
        case .signalled(let signal):
            if let seconds = request.cpuSeconds, signal == SIGXCPU || signal == SIGKILL {
                return "CPU limit: the command used more than \(seconds) s of CPU time (RLIMIT_CPU; \(outcome.status.text))" + shownTail
            }
            let hint = signal == SIGKILL ? " (not sent by Drover: perhaps the kernel's out-of-memory killer)" : ""
            return "command was killed by \(outcome.status.text)\(hint)" + shownTail
        }
    }

    /// Under RLIMIT_AS an allocation fails instead of the kernel killing the process: programs
    /// then exit with their own out-of-memory error or abort.
    static func ranOutOfMemory(_ status: ExitStatus, stderr: String) -> Bool {
        if status == .exited(code: 0) { return false }
        if case .signalled(let s) = status, s == SIGSEGV || s == SIGABRT || s == SIGBUS { return true }
        let markers = ["MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory", "Out of memory", "cannot allocate"]
        return markers.contains { stderr.contains($0) }
    }
}

extension ExitStatus {
    var text: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signalled(let s): return "signal \(Self.signalName(s)) (\(s))"
        }
    }

    static func signalName(_ s: Int32) -> String {
        let names: [Int32: String] = [SIGTERM: "SIGTERM", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT",
                                      SIGINT: "SIGINT", SIGXCPU: "SIGXCPU", SIGBUS: "SIGBUS", SIGPIPE: "SIGPIPE", SIGHUP: "SIGHUP"]
        return names[s] ?? "\(s)"
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
