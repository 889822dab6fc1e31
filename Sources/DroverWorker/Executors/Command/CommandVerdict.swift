#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a finished (not stopped) command attempt failed, in words for the job's record, or nil
/// when it succeeded. Pure: decided from the exit status, the limits asked for, what the memory
/// cgroup counted and stderr's tail.
enum CommandVerdict {
    static func failure(_ outcome: CommandOutcome, request: CommandJobRequest) -> String? {
        let tail = outcome.stderr.tailText.trimmingTrailingNewlines
        let shownTail = tail.isEmpty ? " (stderr was empty)" : "; stderr tail:\n" + tail
        if let report = outcome.cgroup, let version = report.memoryVersion {
            // The kernel counted it: no guessing from the exit status or stderr.
            guard report.oomKills > 0 else { return exitFailure(outcome, request: request, shownTail) }
            let file = version == 2 ? "memory.max" : "memory.limit_in_bytes"
            let peak = report.peakBytes.map { ", peak \($0) bytes" } ?? ""
            let what = request.memoryBytes.map { "at its limit of \($0) bytes (cgroup v\(version) \(file)" }
                ?? "with no memory limit of its own: the host ran out of memory (cgroup v\(version)"
            return "out of memory: the command was killed for memory by the kernel's OOM killer \(what); "
                + "\(report.oomKills) process(es) killed, \(outcome.status.text)\(peak))" + shownTail
        }
        if let limit = request.memoryBytes, ranOutOfMemory(outcome.status, stderr: tail) {
            return "out of memory: the command exceeded its memory limit of \(limit) bytes (RLIMIT_AS; \(outcome.status.text))" + shownTail
        }
        return exitFailure(outcome, request: request, shownTail)
    }

    private static func exitFailure(_ outcome: CommandOutcome, request: CommandJobRequest, _ shownTail: String) -> String? {
        switch outcome.status {
        case .exited(code: 0):
            return nil
        case .exited(let code):
            return "command exited with status \(code)" + shownTail
        case .signalled(let signal):
            if let seconds = request.cpuSeconds, signal == SIGXCPU || signal == SIGKILL {
                return "CPU limit: the command used more than \(seconds) s of CPU time (RLIMIT_CPU; \(outcome.status.text))" + shownTail
            }
            let memoryCounted = outcome.cgroup?.memoryVersion != nil
            let hint = signal == SIGKILL && !memoryCounted ? " (not sent by Drover: perhaps the kernel's out-of-memory killer)" : ""
            return "command was killed by \(outcome.status.text)\(hint)" + shownTail
        }
    }

    /// Under RLIMIT_AS an allocation fails instead of the kernel killing the process: programs
    /// then exit with their own out-of-memory error or abort.
    static func ranOutOfMemory(_ status: ExitStatus, stderr: String) -> Bool {
        if status == .exited(code: 0) { return false }
        if case .signalled(let s) = status, s == SIGSEGV || s == SIGABRT || s == SIGBUS { return true }
        let markers = ["MemoryError", "Cannot allocate memory", "memory exhausted", "std::bad_alloc", "out of memory", "Out of memory", "cannot allocate"]
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
