import DroverML
@testable import DroverWorker
import Foundation
import Testing

/// Command attempts in real cgroups: the kernel's OOM kill reported as such, `setsid` escapees
/// killed, the CPU quota written. Each test is skipped (with the reason) where this host gives
/// no writable cgroup with memory and cpu controllers: CI machines differ (hybrid, pure v2, none).
@Suite("Command executor: cgroups", .serialized, .timeLimit(.minutes(5)))
struct CommandCgroupTests {
    /// This host's cgroups for one test (a name of its own, so parallel suites never clash),
    /// or nil with the reason: the worker's own cgroup first, then `/drover-tests` (a pure v2
    /// host whose own cgroup is not delegated).
    static func cgroups() -> (WorkerCgroups?, String) {
        let name = "drover-worker-\(getpid())-t\(UUID().uuidString.prefix(8).lowercased())"
        var reasons: [String] = []
        for root in [nil, "/drover-tests"] {
            let c = WorkerCgroups.setUp(root: root, name: name, moveSelf: false)
            if c.limitsMemory, c.cpu != nil, c.track != nil { return (c, c.description) }
            reasons.append("\(root ?? "own cgroup"): \(c.description)")
            c.remove()
        }
        return (nil, reasons.joined(separator: " | "))
    }

    /// Runs `body` with this host's cgroups and an executor using them (its command root), then
    /// removes the cgroups; prints why and returns when the host has none to give.
    static func withCgroups(_ body: (WorkerCgroups, CommandExecutor, URL) async throws -> Void) async throws {
        let (found, why) = cgroups()
        guard let cgroups = found else {
            print("skipped: no writable memory+cpu cgroups on this host (\(why))")
            return
        }
        defer { cgroups.remove() }
        let (plain, dir) = try CommandExecutorTests.executor()
        try await body(cgroups, CommandExecutor(policy: plain.policy, cgroups: cgroups), dir)
    }

    @Test("a command over its memory limit is reported as killed for memory by the OOM killer, with the limit")
    func oomKillReported() async throws {
        try await Self.withCgroups { cgroups, executor, _ in
            let job = CommandExecutorTests.job(["sh", "-c", "head -c 400m /dev/zero | tail"], extra: ["memory_bytes": "\(64 << 20)"])
            let message = await CommandExecutorTests.failure(executor, job)
            #expect(message.hasPrefix("out of memory: the command was killed for memory by the kernel's OOM killer at its limit of 67108864 bytes (cgroup v"),
                    "\(message)")
            #expect(!message.contains("RLIMIT_AS"))
            let attempt = cgroups.memory!.child("job-1-attempt-1")
            #expect(!FileManager.default.fileExists(atPath: attempt.path), "the attempt's cgroup was not removed")
        }
    }

    @Test("a preloaded Python job runs in the attempt's cgroup: over its memory limit it is OOM-killed like a fresh process")
    func preloadedJobInCgroup() async throws {
        try await Self.withCgroups { _, executor, dir in
            defer { executor.warm.stopAll() }
            try "import sys\ncg = open('/proc/self/cgroup').read()\nprint(cg)\nif sys.argv[1] == 'grow':\n    b = bytearray(400 << 20)\n"
                .write(to: dir.appendingPathComponent("mem.py"), atomically: true, encoding: .utf8)
            let job = CommandExecutorTests.job(["python3", "mem.py", "grow"], extra: ["memory_bytes": "\(64 << 20)", "preload": #"["json"]"#, "cwd": "."])
            let message = await CommandExecutorTests.failure(executor, job)
            #expect(message.hasPrefix("out of memory: the command was killed for memory by the kernel's OOM killer"), "\(message)")
            let ok = CommandExecutorTests.job(["python3", "mem.py", "small"], extra: ["memory_bytes": "\(64 << 20)", "preload": #"["json"]"#, "cwd": "."], id: 2)
            _ = try await executor.run(ok)
            let stdout = try String(contentsOfFile: "\(dir.path)/.drover-attempts/job-2/attempt-1/stdout.log", encoding: .utf8)
            #expect(stdout.contains("job-2-attempt-1"), "the forked program is in the attempt's cgroup: \(stdout)")
            #expect(executor.warm.started == 1)
        }
    }

    /// Without limits the attempt is in the tracking cgroup (v2 `cgroup.kill` where mounted); with
    /// a memory limit in the memory one (on a hybrid host v1: each pid killed until empty).
    @Test("a descendant that left the process group with setsid is killed with the attempt's cgroup", arguments: [false, true])
    func setsidEscapeeKilled(memoryLimit: Bool) async throws {
        try await Self.withCgroups { _, executor, dir in
            let child = dir.appendingPathComponent("child.pid")
            // The command exits only once its child has left the group (it wrote its pid after setsid).
            let script = """
            setsid sh -c 'echo $$ > \(child.path).part && mv \(child.path).part \(child.path) && exec sleep 1000' < /dev/null > /dev/null 2>&1 &
            while [ ! -s \(child.path) ]; do sleep 0.01; done
            """
            let extra = memoryLimit ? ["memory_bytes": "\(256 << 20)"] : [:]
            _ = try await executor.run(CommandExecutorTests.job(["sh", "-c", script], extra: extra))
            let pid = try CommandExecutorTests.readPid(child)
            defer { kill(pid, SIGKILL) } // the process group alone would have missed it
            #expect(CommandExecutorTests.isGone(pid), "the setsid child \(pid) survived its attempt")
        }
    }

    @Test("a cancel sends SIGTERM to a descendant that left the process group, not only SIGKILL at the end")
    func cancelTermsEscapee() async throws {
        try await Self.withCgroups { _, executor, dir in
            let child = dir.appendingPathComponent("child.pid"), termed = dir.appendingPathComponent("termed")
            // The leader survives SIGTERM (a trap, not an ignore: children would inherit that) and
            // waits for the escapee's marker; only a SIGTERM sent to the cgroup reaches the escapee
            // (else SIGKILL after the grace: no marker).
            let script = """
            trap 'true' TERM
            setsid sh -c 'trap "echo yes > \(termed.path); exit 0" TERM; echo $$ > \(child.path); while :; do sleep 0.02; done' < /dev/null > /dev/null 2>&1 &
            while [ ! -e \(termed.path) ]; do sleep 0.02; done
            """
            let token = CancellationToken()
            var job = CommandExecutorTests.job(["sh", "-c", script], cancellation: token)
            job.params["grace_ms"] = "5000"
            let running = Task { await CommandExecutorTests.failure(executor, job) }
            try await CommandExecutorTests.waitForFile(child)
            let pid = try CommandExecutorTests.readPid(child)
            defer { kill(pid, SIGKILL) }
            token.cancel()
            #expect(await running.value.contains("cancelled"))
            #expect(FileManager.default.fileExists(atPath: termed.path), "the setsid child got no SIGTERM")
            #expect(CommandExecutorTests.isGone(pid))
        }
    }

    @Test("cpus 0.5 sets a quota of half the period, with the program inside the cgroup while it runs")
    func cpuQuotaWhileRunning() async throws {
        try await Self.withCgroups { cgroups, executor, dir in
            let seen = dir.appendingPathComponent("cgroup.txt"), go = dir.appendingPathComponent("go")
            let script = """
            test "$OMP_NUM_THREADS" = 1 || exit 7
            cat /proc/self/cgroup > \(seen.path).part && mv \(seen.path).part \(seen.path)
            while [ ! -e \(go.path) ]; do sleep 0.02; done
            """
            let job = CommandExecutorTests.job(["sh", "-c", script], extra: ["cpus": "0.5", "memory_bytes": "\(256 << 20)"], id: 7)
            let running = Task { try await executor.run(job) }
            try await CommandExecutorTests.waitForFile(seen)
            let cpu = cgroups.cpu!.child("job-7-attempt-1")
            let quota = cpu.version == 2
                ? try String(contentsOfFile: cpu.path + "/cpu.max", encoding: .utf8)
                : try String(contentsOfFile: cpu.path + "/cpu.cfs_quota_us", encoding: .utf8)
            #expect(quota.trimmingCharacters(in: .whitespacesAndNewlines) == (cpu.version == 2 ? "50000 100000" : "50000"))
            let membership = try String(contentsOf: seen, encoding: .utf8)
            #expect(membership.contains("/job-7-attempt-1\n"), "the program is not in the attempt's cgroups: \(membership)")
            try Data().write(to: go)
            let metrics = try await running.value
            #expect((metrics["command.memory_peak_bytes"] ?? 0) > 0, "\(metrics)")
            #expect(!FileManager.default.fileExists(atPath: cpu.path), "the attempt's cgroup was not removed")
        }
    }

    @Test("worker start removes the cgroups of dead workers, killing what they left behind")
    func staleCgroupsRemoved() async throws {
        try await Self.withCgroups { cgroups, _, _ in
            guard let track = cgroups.track else { return }
            // A dead worker's cgroup (pid 2^22-1 is above any default pid_max) with a process left in it.
            let base = (track.path as NSString).deletingLastPathComponent
            let stale = CgroupDirectory(version: track.version, path: base + "/drover-worker-4194303").child("job-1-attempt-1")
            #expect(CgroupFiles.makeDirectory((stale.path as NSString).deletingLastPathComponent) && CgroupFiles.makeDirectory(stale.path))
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/bin/sh")
            sleeper.arguments = ["-c", "echo $$ > \(stale.path)/cgroup.procs && exec sleep 1000"]
            try sleeper.run()
            defer { kill(sleeper.processIdentifier, SIGKILL) }
            let deadline = ContinuousClock.now + .seconds(10)
            while CgroupFiles.pids(stale.path).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(CgroupFiles.pids(stale.path) == [sleeper.processIdentifier])
            #expect(WorkerCgroups.removeStale(in: base, version: track.version, own: "drover-worker-0") == 1)
            #expect(!FileManager.default.fileExists(atPath: base + "/drover-worker-4194303"))
            #expect(CommandExecutorTests.isGone(sleeper.processIdentifier))
        }
    }
}
