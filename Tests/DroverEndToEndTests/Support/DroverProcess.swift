import Foundation
import NativeThreads
import Synchronization
import Testing

/// The real `drover` binary of this build, started as child processes on loopback.
enum DroverBinary {
    static var path: String {
        if let p = ProcessInfo.processInfo.environment["DROVER_BIN"] { return p }
        // Tests run from <scratch>/<config>/DroverPackageTests.xctest; the binary sits beside it.
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("drover").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("drover").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/drover").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }
}

/// A running `drover` child process whose output goes to a log file.
final class DroverProcess: @unchecked Sendable {
    // @unchecked Sendable: the Process is only started, signalled and awaited; Foundation's
    // Process is thread-safe for those calls.
    let process = Process()
    let log: URL
    let name: String

    init(_ arguments: [String], name: String, in dir: URL, environment: [String: String] = [:]) throws {
        self.name = name
        log = dir.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: DroverBinary.path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func kill9() {
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { kill(pid, SIGTERM) }
        process.waitUntilExit()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Result of a `drover` command run to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `drover ARGS` to completion (with a time limit, so a hang fails the test instead of CI).
func drover(_ arguments: [String], timeout: Duration = .seconds(120)) throws -> CommandResult {
    try program(DroverBinary.path, arguments, timeout: timeout)
}

/// Runs the program at `path` (e.g. /usr/bin/openssl) to completion, with a time limit.
func program(_ path: String, _ arguments: [String], timeout: Duration = .seconds(120)) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = try Reader(out.fileHandleForReading), errData = try Reader(err.fileHandleForReading)
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline { usleep(2_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        Issue.record("\(path) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
    }
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: outData.text(), stderr: errData.text())
}

/// Drains a pipe on a background thread so a chatty child never blocks on a full pipe.
final class Reader: @unchecked Sendable {
    // @unchecked Sendable: `data` is written by the reading thread and read after `done` is signalled.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) throws {
        try NativeThread.start { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.detach()
    }

    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A fresh temporary directory and three consecutive free loopback ports (workers, clients, artifacts).
struct TestCluster {
    let dir: URL
    let port: Int
    var endpoint: String { "tcp://127.0.0.1:\(port)" }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        port = try freePortPair()
    }

    var dataDir: String { dir.appendingPathComponent("data").path }

    /// Fast failure detection so tests run in seconds: heartbeat 100 ms, lease 1.5 s.
    func coordinator(name: String = "coordinator", extra: [String] = [],
                     environment: [String: String] = [:]) throws -> DroverProcess {
        try DroverProcess(["coordinator", "--bind", endpoint, "--data-dir", dataDir, "--heartbeat-ms", "100",
                           "--lease-ms", "1500", "--retry-backoff-ms", "10", "--log-level", "info"] + extra,
                          name: name, in: dir, environment: environment)
    }

    func worker(_ name: String, slots: Int = 4, extra: [String] = []) throws -> DroverProcess {
        try DroverProcess(["worker", "--connect", endpoint, "--name", name, "--slots", "\(slots)",
                           "--log-level", "info"] + extra, name: name, in: dir)
    }

    /// Runs a client command against this cluster. Unless the test sets `--timeout`, the client
    /// waits up to 15 s for an answer: the suite runs many clusters at once on 2 cores.
    func run(_ arguments: [String], timeout: Duration = .seconds(120)) throws -> CommandResult {
        let patience = arguments.contains("--timeout") ? [] : ["--timeout", "15000"]
        return try drover(arguments + ["--connect", endpoint] + patience, timeout: timeout)
    }

    /// Polls `drover status --json` until `condition` holds (bounded; fails the test on timeout).
    func waitForStatus(timeout: Duration = .seconds(30), _ condition: ([String: Any]) -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let r = try run(["status", "--json", "--timeout", "1000"], timeout: .seconds(10))
            if r.status == 0, let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
               condition(obj) { return }
            usleep(20_000)
        }
        Issue.record("status condition not reached within \(timeout)")
        throw TestFailure("status condition not reached")
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: dir)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Two consecutive free TCP ports on 127.0.0.1 (worker port, client port); the next two (the
/// artifact server's P+2, a spare) are kept free of other clusters too.
/// Ports handed out by this test process: tests run in parallel, and two of them must never
/// pick the same ports between checking they are free and binding them. They stay below the
/// kernel's range for outgoing connections (`ip_local_port_range`, 32768–60999 by default),
/// where a connection's local port could take one between the check and the bind.
private let portBlocks = (first: 10_000, end: 32_000, size: 4)
private let nextPort = Mutex(portBlocks.first + Int.random(in: 0..<5_000) * portBlocks.size)

func freePortPair() throws -> Int {
    for _ in 0..<200 {
        let p = nextPort.withLock { next -> Int in
            defer { next = next + portBlocks.size >= portBlocks.end ? portBlocks.first : next + portBlocks.size }
            return next
        }
        if (p..<p + 3).allSatisfy(portIsFree) { return p }
    }
    throw TestFailure("no free port pair found")
}

func portIsFree(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

extension [String: Any] {
    /// `jobs.<state>` from `drover status --json`.
    func jobs(_ state: String) -> Int { ((self["jobs"] as? [String: Any])?[state] as? Int) ?? -1 }
    var aliveWorkers: Int { ((self["workers"] as? [String: Any])?["alive"] as? Int) ?? 0 }
}
