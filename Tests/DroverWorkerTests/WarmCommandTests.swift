import DroverML
@testable import DroverWorker
import Foundation
import Testing

/// Command jobs that `preload` Python modules: forks of a warm interpreter, with real processes.
@Suite("Command executor: warm Python interpreters", .timeLimit(.minutes(5)))
struct WarmCommandTests {
    /// A command root with `probe_mod.py` (appends a line to `$PROBE_FILE` each time it is
    /// imported) and `job.py` (checks the module is already loaded, then does what argv says).
    static func setUp() throws -> (CommandExecutor, URL) {
        let (executor, dir) = try CommandExecutorTests.executor()
        try #"""
        import os
        with open(os.environ["PROBE_FILE"], "a") as f:
            f.write(f"imported in {os.getpid()}\n")
        """#.write(to: dir.appendingPathComponent("probe_mod.py"), atomically: true, encoding: .utf8)
        try #"""
        import json, os, sys, time
        assert "probe_mod" in sys.modules, "probe_mod was not preloaded"
        what = sys.argv[1]
        with open(os.path.join(os.environ["DROVER_COMMAND_ROOT"], f"job-{os.environ['DROVER_JOB_ID']}.pid"), "w") as f:
            f.write(str(os.getpid()))
        with open(os.environ["DROVER_METRICS"], "a") as f:
            f.write(json.dumps({"metric": "job", "value": float(os.environ["DROVER_JOB_ID"])}) + "\n")
        print("argv", sys.argv[1:], "cwd", os.getcwd(), "seed", os.environ.get("SEED"))
        if what == "exit":
            sys.exit(int(sys.argv[2]))
        if what == "raise":
            raise ValueError("boom from the script")
        if what == "sleep":
            time.sleep(300)
        """#.write(to: dir.appendingPathComponent("job.py"), atomically: true, encoding: .utf8)
        return (executor, dir)
    }

    static func job(_ dir: URL, _ args: [String], id: UInt64, preload: String = #"["probe_mod"]"#,
                    cancellation: CancellationToken = CancellationToken()) -> JobContext {
        let env = #"{"PYTHONPATH":"\#(dir.path)","PROBE_FILE":"\#(dir.path)/probe.txt","SEED":"7"}"#
        return CommandExecutorTests.job(["python3", "job.py"] + args, extra: ["preload": preload, "env": env, "cwd": "."],
                                        id: id, cancellation: cancellation)
    }

    @Test("preloaded modules are imported once for many jobs; each job has its own attempt variables, argv, output and metrics")
    func importedOnce() async throws {
        let (executor, dir) = try Self.setUp()
        defer { executor.warm.stopAll() }
        var pids: Set<Int32> = []
        for id: UInt64 in 1...3 {
            let metrics = try await executor.run(Self.job(dir, ["ok", "x\(id)"], id: id))
            #expect(metrics["job"] == Double(id))
            let stdout = try String(contentsOfFile: "\(dir.path)/.drover-attempts/job-\(id)/attempt-1/stdout.log", encoding: .utf8)
            #expect(stdout.contains("argv ['ok', 'x\(id)'] cwd \(dir.path) seed 7"), "stdout was: \(stdout)")
            pids.insert(try CommandExecutorTests.readPid(dir.appendingPathComponent("job-\(id).pid")))
        }
        let imports = try String(contentsOf: dir.appendingPathComponent("probe.txt"), encoding: .utf8).split(separator: "\n")
        #expect(imports.count == 1, "probe_mod imported \(imports.count) times: \(imports)")
        #expect(executor.warm.started == 1)
        #expect(pids.count == 3, "each job runs in a process of its own")
    }

    @Test("when the executor goes, its zygotes stop and their directory is removed")
    func cleanUp() async throws {
        var (executor, dir): (CommandExecutor?, URL) = try Self.setUp()
        _ = try await executor!.run(Self.job(dir, ["ok"], id: 1))
        let warmDir = try #require(executor!.warm.directory)
        let pids = executor!.warm.zygotePIDs
        #expect(pids.count == 1 && FileManager.default.fileExists(atPath: warmDir))
        executor = nil
        // The attempt's own thread lets go of its copy of the executor a moment after `run` returns.
        let deadline = ContinuousClock.now + .seconds(10)
        while FileManager.default.fileExists(atPath: warmDir), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!FileManager.default.fileExists(atPath: warmDir), "\(warmDir) is left")
        for pid in pids { #expect(CommandExecutorTests.isGone(pid), "zygote \(pid) still runs") }
    }

    @Test("a preloaded job's exit code and uncaught exception fail the attempt like a fresh process's")
    func failures() async throws {
        let (executor, dir) = try Self.setUp()
        defer { executor.warm.stopAll() }
        let exited = await CommandExecutorTests.failure(executor, Self.job(dir, ["exit", "3"], id: 1))
        #expect(exited.contains("exited with status 3"), "\(exited)")
        let raised = await CommandExecutorTests.failure(executor, Self.job(dir, ["raise"], id: 2))
        #expect(raised.contains("exited with status 1") && raised.contains("ValueError: boom from the script"), "\(raised)")
        let metrics = try await executor.run(Self.job(dir, ["ok"], id: 3))
        #expect(metrics["job"] == 3, "the zygote serves on after failed jobs")
        #expect(executor.warm.started == 1)
    }

    @Test("cancelling a preloaded job stops the forked program within the grace period")
    func cancel() async throws {
        let (executor, dir) = try Self.setUp()
        defer { executor.warm.stopAll() }
        let token = CancellationToken()
        let running = Task { await CommandExecutorTests.failure(executor, Self.job(dir, ["sleep"], id: 7, cancellation: token)) }
        let pidFile = dir.appendingPathComponent("job-7.pid")
        try await CommandExecutorTests.waitForFile(pidFile)
        let pid = try CommandExecutorTests.readPid(pidFile)
        #expect(kill(pid, 0) == 0)
        let stopped = ContinuousClock.now
        token.cancel()
        let message = await running.value
        #expect(message.contains("cancelled"))
        #expect(ContinuousClock.now - stopped < .seconds(10))
        #expect(CommandExecutorTests.isGone(pid), "the forked program \(pid) survived the cancellation")
    }

    @Test("a module that cannot be imported, a bad module name or interpreter options fail with what to fix")
    func refusals() async throws {
        let (executor, dir) = try Self.setUp()
        defer { executor.warm.stopAll() }
        let missing = await CommandExecutorTests.failure(executor, Self.job(dir, ["ok"], id: 1, preload: #"["no_such_module_drover"]"#))
        #expect(missing.contains("cannot import 'no_such_module_drover'") && missing.contains("ModuleNotFoundError"), "\(missing)")
        let badName = await CommandExecutorTests.failure(executor, Self.job(dir, ["ok"], id: 2, preload: #"["1bad"]"#))
        #expect(badName.contains("'1bad' is not a Python module name"), "\(badName)")
        let options = await CommandExecutorTests.failure(executor, CommandExecutorTests.job(
            ["python3", "-c", "print(1)"], extra: ["preload": #"["json"]"#], id: 3))
        #expect(options.contains("interpreter options (-c) are not supported with preload"), "\(options)")
        let notPython = await CommandExecutorTests.failure(executor, CommandExecutorTests.job(
            ["sh", "job.py"], extra: ["preload": #"["json"]"#, "cwd": "."], id: 4))
        #expect(notPython.contains("preload needs the program to be a Python 3.9 or newer interpreter"), "\(notPython)")
    }
}
