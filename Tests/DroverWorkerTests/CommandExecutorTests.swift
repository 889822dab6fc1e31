import DroverML
import DroverProtocol
@testable import DroverWorker
import Foundation
import Testing

/// The `command` executor with real processes: exits, signals, process groups, limits.
@Suite("Command executor: real processes", .timeLimit(.minutes(5)))
struct CommandExecutorTests {
    /// A fresh command root and an executor for it (root allowed: CI runs as root).
    static func executor(maxLogBytes: Int64 = 64 << 20, allowed: [String] = []) throws -> (CommandExecutor, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var policy = try CommandPolicy(root: dir.path, allowedExecutables: allowed, allowRoot: true)
        policy.maxLogBytes = maxLogBytes
        return (CommandExecutor(policy: policy), dir)
    }

    static func job(_ argv: [String], extra: [String: String] = [:], id: UInt64 = 1,
                    cancellation: CancellationToken = CancellationToken()) -> JobContext {
        var request = CommandJobRequest(argv: argv)
        request.graceMs = 300
        return JobContext(jobID: id, attempt: 1, kind: "command", params: request.params.merging(extra) { _, e in e },
                          cancellation: cancellation)
    }

    /// Runs a job and returns its failure text (the test fails if it succeeded).
    static func failure(_ executor: CommandExecutor, _ job: JobContext) async -> String {
        do {
            let metrics = try await executor.run(job)
            Issue.record("expected a failure, got metrics \(metrics)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    /// Whether `pid` is gone (no such process, or a zombie nobody has reaped yet) within 5 s: a
    /// SIGKILL is sent before the executor returns, but the kernel delivers it asynchronously.
    static func isGone(_ pid: Int32) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if kill(pid, 0) != 0, errno == ESRCH { return true }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if stat.isEmpty || stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            usleep(5_000)
        }
        return false
    }

    static func readPid(_ url: URL) throws -> Int32 {
        let text = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try #require(Int32(text), "no pid in \(url.path): '\(text)'")
    }

    /// Waits (bounded) until a file exists: the command has reached that point.
    /// The bound is generous: in the full suite, blocking end-to-end tests can hold the
    /// cooperative threads this test's task needs for a long while.
    static func waitForFile(_ url: URL) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !FileManager.default.fileExists(atPath: url.path) || ((try? Data(contentsOf: url))?.isEmpty ?? true) {
            guard ContinuousClock.now < deadline else { throw TestFailure("\(url.path) never appeared") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test("a command's metrics, parameters and environment come back; garbage metric lines are counted, not fatal")
    func metricsAndEnvironment() async throws {
        let (executor, dir) = try Self.executor()
        let script = #"""
        echo "{\"metric\":\"loss\",\"value\":0.5,\"step\":1}" >> "$DROVER_METRICS"
        echo "{\"metric\":\"loss\",\"value\":0.25,\"step\":2}" >> "$DROVER_METRICS"
        echo "{\"param\":\"lr\",\"value\":\"0.1\"}" >> "$DROVER_METRICS"
        echo "not json" >> "$DROVER_METRICS"
        echo "{\"metric\":\"bad\",\"value\":\"x\"}" >> "$DROVER_METRICS"
        test "$DROVER_JOB_ID" = 41 && test "$DROVER_ATTEMPT" = 1 && test "$SEED" = 7 && test -d "$DROVER_OUTPUT_DIR" || exit 9
        pwd > "$DROVER_COMMAND_ROOT/cwd.txt"
        """#
        let metrics = try await executor.run(Self.job(["sh", "-c", script], extra: ["env": #"{"SEED":"7"}"#], id: 41))
        #expect(metrics["loss"] == 0.25)
        #expect(metrics["param.lr"] == 0.1)
        #expect(metrics["command.metric_points"] == 2)
        #expect(metrics["command.metrics_garbage_lines"] == 2)
        let cwd = try String(contentsOf: dir.appendingPathComponent("cwd.txt"), encoding: .utf8)
        #expect(cwd.contains(".drover-attempts/job-41/attempt-1"), "each attempt runs in its own directory: \(cwd)")
    }

    @Test("exit status 1 fails the attempt with the tail of stderr")
    func nonZeroExit() async throws {
        let (executor, _) = try Self.executor()
        let message = await Self.failure(executor, Self.job(["sh", "-c", "echo starting; echo 'Traceback: boom at line 3' >&2; exit 1"]))
        #expect(message.contains("exited with status 1"))
        #expect(message.contains("Traceback: boom at line 3"))
    }

    @Test("a program that does not exist, or is not executable, fails with a clear reason")
    func missingProgram() async throws {
        let (executor, dir) = try Self.executor()
        let missing = await Self.failure(executor, Self.job(["no-such-program-drover"]))
        #expect(missing.contains("'no-such-program-drover' was not found on the worker's PATH"))
        let plain = dir.appendingPathComponent("script.sh")
        try "echo hi\n".write(to: plain, atomically: true, encoding: .utf8)
        let notExecutable = await Self.failure(executor, Self.job([plain.path]))
        #expect(notExecutable.contains("is not an executable file"))
    }

    @Test("cancelling kills the whole group, grandchildren included, within the grace period")
    func cancelKillsGrandchildren() async throws {
        let (executor, dir) = try Self.executor()
        let child = dir.appendingPathComponent("child.pid"), grandchild = dir.appendingPathComponent("grandchild.pid")
        let script = "sleep 300 & echo $! > \(child.path); sh -c 'sleep 300 & echo $! > \(grandchild.path); wait' & wait"
        let token = CancellationToken()
        let job = Self.job(["sh", "-c", script], cancellation: token)
        let running = Task { await Self.failure(executor, job) }
        try await Self.waitForFile(child)
        try await Self.waitForFile(grandchild)
        let pids = [try Self.readPid(child), try Self.readPid(grandchild)]
        #expect(pids.allSatisfy { kill($0, 0) == 0 }, "the command's processes run before the cancel")
        let stopped = ContinuousClock.now
        token.cancel()
        let message = await running.value
        #expect(ContinuousClock.now - stopped < .seconds(10), "a SIGTERM-abiding command stops at once (bound generous for a loaded CI machine)")
        #expect(message.contains("cancelled"))
        for pid in pids { #expect(Self.isGone(pid), "process \(pid) survived the cancellation") }
    }

    @Test("a command ignoring SIGTERM is SIGKILLed after the grace period")
    func ignoresSigterm() async throws {
        let (executor, dir) = try Self.executor()
        let ready = dir.appendingPathComponent("ready")
        let token = CancellationToken()
        // `trap '' TERM` is inherited by the sleep too: nothing in the group dies of SIGTERM.
        let job = Self.job(["sh", "-c", "trap '' TERM; sleep 300 & echo $! > \(ready.path); wait; wait"], cancellation: token)
        let running = Task { await Self.failure(executor, job) }
        try await Self.waitForFile(ready)
        let sleeper = try Self.readPid(ready)
        let stopped = ContinuousClock.now
        token.cancel()
        _ = await running.value
        let took = ContinuousClock.now - stopped
        #expect(took >= .milliseconds(300), "SIGKILL came before the 300 ms grace: \(took)")
        // Far below the 300 s sleep (so it was killed, not waited for); 10 s failed once on a loaded run (10.49 s).
        #expect(took < .seconds(60), "the command was not killed after its grace: \(took)")
        #expect(Self.isGone(sleeper))
    }

    @Test("children left running when the command exits are killed with the group")
    func leftoverChildrenKilled() async throws {
        let (executor, dir) = try Self.executor()
        let child = dir.appendingPathComponent("child.pid")
        _ = try await executor.run(Self.job(["sh", "-c", "sleep 300 > /dev/null 2>&1 & echo $! > \(child.path)"]))
        #expect(Self.isGone(try Self.readPid(child)))
    }

    @Test("a flood of stdout is bounded in the log and counted, and the attempt still succeeds")
    func floodBounded() async throws {
        let (executor, _) = try Self.executor(maxLogBytes: 1 << 20)
        let job = Self.job(["head", "-c", "50000000", "/dev/zero"])
        let metrics = try await executor.run(job)
        #expect(metrics["command.stdout_bytes"] == 50_000_000)
        #expect(metrics["command.log_bytes_dropped"] == Double(50_000_000 - (1 << 20)))
        let log = AttemptDirectory(root: executor.policy.root, jobID: 1, attempt: 1).stdoutLog
        let size = try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int
        #expect(size == 1 << 20)
    }

    @Test("a command over its memory limit is reported as out of memory")
    func memoryLimit() async throws {
        let (executor, _) = try Self.executor()
        let job = Self.job(["python3", "-c", "x = bytearray(1 << 30)"], extra: ["memory_bytes": "\(200 << 20)"])
        let message = await Self.failure(executor, job)
        #expect(message.hasPrefix("out of memory"), "\(message)")
        #expect(message.contains("MemoryError"))
    }

    @Test("a command over its CPU limit is reported as such")
    func cpuLimit() async throws {
        let (executor, _) = try Self.executor()
        let message = await Self.failure(executor, Self.job(["sh", "-c", "while :; do :; done"], extra: ["cpu_seconds": "1"]))
        #expect(message.hasPrefix("CPU limit"), "\(message)")
    }

    @Test("refusals: root without permission, executables off the allow-list, cwd outside the root")
    func refusals() async throws {
        let (executor, dir) = try Self.executor(allowed: ["/bin/echo"])
        var asRoot = try CommandPolicy(root: dir.path)
        asRoot.euid = 0
        #expect(asRoot.refusal?.contains("runs as root") == true)
        let refusedRoot = await Self.failure(CommandExecutor(policy: asRoot), Self.job(["echo"]))
        #expect(refusedRoot.contains("command refused"))
        var unprivileged = asRoot
        unprivileged.euid = 1000
        #expect(unprivileged.refusal == nil)

        let offList = await Self.failure(executor, Self.job(["sh", "-c", "true"]))
        #expect(offList.contains("is not allowed on this worker"))
        _ = try await executor.run(Self.job(["echo", "ok"]))

        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("out").path, withDestinationPath: "/tmp")
        for (cwd, expected) in [("../", "must not contain '..'"), ("/etc", "must be relative"), ("out", "leads outside"),
                                ("nowhere", "is not a directory")] {
            let message = await Self.failure(executor, Self.job(["echo"], extra: ["cwd": cwd]))
            #expect(message.contains(expected), "cwd \(cwd): \(message)")
        }
        let unknown = await Self.failure(executor, Self.job(["echo"], extra: ["shell": "yes"]))
        #expect(unknown.contains("unknown parameter 'shell'"))
        let zeroCPUs = await Self.failure(executor, Self.job(["echo"], extra: ["cpus": "0"]))
        #expect(zeroCPUs.contains("parameter 'cpus' must be a number from 0.01 to 1024"), "\(zeroCPUs)")
        #expect(try CommandJobRequest(params: ["argv": #"["echo"]"#, "cpus": "0.25"]).params["cpus"] == "0.25")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("LogTap: bounded output on its way to the coordinator")
struct LogTapTests {
    @Test("beyond its budget a chunk is dropped but keeps its sequence number; take is bounded")
    func budget() {
        let tap = LogTap(lease: Lease(jobID: 1, attempt: 1, token: 1), budget: 40 << 10)
        let big = [UInt8](repeating: 65, count: 50 << 10) // chunks of 16, 16, 16 and 2 KiB: the third does not fit
        big.withUnsafeBytes { tap.offer(.stdout, $0) }
        Array("e".utf8).withUnsafeBytes { tap.offer(.stderr, $0) }
        let first = tap.take(maxBytes: 20 << 10)
        #expect(first.map(\.seq) == [1])
        let rest = tap.take(maxBytes: .max)
        #expect(rest.filter { $0.stream == .stdout }.map(\.seq) == [2, 4])
        #expect(rest.filter { $0.stream == .stderr }.map(\.seq) == [1])
        #expect(tap.dropped == 1)
        #expect(tap.take(maxBytes: .max).isEmpty)
    }
}
