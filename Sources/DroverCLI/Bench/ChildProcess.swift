import Foundation

/// A child `drover` process for benchmarks and tests: started with arguments, stopped with
/// SIGTERM (or SIGKILL), its CPU time read from /proc.
final class ChildProcess {
    let process = Process()
    let name: String

    init(executable: String, arguments: [String], name: String, logFile: String? = nil) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let logFile {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
            process.standardError = handle
            process.standardOutput = handle
        } else {
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// User + system CPU seconds so far (Linux /proc/PID/stat, fields 14 and 15).
    var cpuSeconds: Double { Self.cpuSeconds(pid: pid) }

    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return 0 }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Peak resident set size in bytes (VmHWM).
    var peakRSS: Int { statusField("VmHWM:") }
    /// Resident set size in bytes now (VmRSS).
    var rss: Int { statusField("VmRSS:") }

    private func statusField(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return kb * 1024
        }
        return 0
    }

    /// True while the process exists and is not a zombie (read from /proc).
    var isAlive: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    /// Signals the child and waits until it is gone; a child still alive after 15 s is killed, so a
    /// hung child cannot hang the benchmark.
    func terminate(signal: Int32 = SIGTERM) {
        guard pid > 0 else { return }
        kill(pid, signal)
        let deadline = ContinuousClock.now + .seconds(15)
        while isAlive, ContinuousClock.now < deadline { usleep(5_000) }
        if isAlive {
            kill(pid, SIGKILL)
            while isAlive { usleep(5_000) }
        }
        // The main thread is a zombie; other threads may still be finishing a write and hold the
        // data directory's lock until the whole process is reaped.
        process.waitUntilExit()
    }
}

/// The path of the running `drover` executable, to start children of the same build.
var currentExecutable: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
