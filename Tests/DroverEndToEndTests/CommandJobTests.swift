import Foundation
import Testing

/// `command` jobs through the real `drover` binary: coordinator, worker and client on loopback.
@Suite(.offPool, .serialized, .timeLimit(.minutes(4)))
struct CommandJobTests {
    /// Flags for a worker that runs commands with `dir` as its command root (CI runs as root).
    static func commandWorker(_ dir: URL) -> [String] {
        ["--allow-commands", "--allow-root-commands", "--command-root", dir.path]
    }

    /// A coordinator and one command worker `w1` with `slots` (command root `root`, default the
    /// cluster's directory), running while `body` runs.
    static func withCommandCluster(slots: Int, root: URL? = nil, _ body: (TestCluster) throws -> Void) throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1", slots: slots, extra: commandWorker(root ?? cluster.dir))
        defer { worker.stop(); coordinator.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 1 }
        try body(cluster)
    }

    /// `drover submit --command OPTIONS -- ARGV` against the cluster (connection flags before `--`).
    static func submit(_ cluster: TestCluster, _ options: [String], _ argv: [String]) throws -> CommandResult {
        try drover(["submit", "--command", "--connect", cluster.endpoint, "--timeout", "15000"] + options + ["--"] + argv)
    }

    static func json(_ r: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout) stderr: \(r.stderr)")
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

    @Test("submit --command --wait: success with metrics; exit 3 retried, then failed with its status and stderr tail")
    func successAndRetriedFailure() throws {
        try Self.withCommandCluster(slots: 2) { cluster in
            let script = #"echo "{\"metric\":\"accuracy\",\"value\":0.91}" >> "$DROVER_METRICS"; echo hello-from-the-job; echo warned-on-stderr >&2"#
            let ok = try Self.submit(cluster, ["--wait", "--json"], ["sh", "-c", script])
            #expect(ok.status == 0, "\(ok.stderr)")
            let good = try Self.json(ok)
            #expect(good["state"] as? String == "succeeded")
            #expect(good["exitCode"] as? Int == 0)
            #expect((good["metrics"] as? [String: Any])?["accuracy"] as? Double == 0.91)
            let id = try #require(good["id"] as? Int)
            let logs = try cluster.run(["logs", "\(id)"])
            #expect(logs.status == 0, "\(logs.stderr)")
            #expect(logs.stdout.contains("hello-from-the-job"), "\(logs.stdout)")
            #expect(logs.stderr.contains("warned-on-stderr"), "\(logs.stderr)")

            let bad = try Self.submit(cluster, ["--retries", "1", "--wait", "--json"],
                                      ["sh", "-c", "echo 'ValueError: bad input row 12' >&2; exit 3"])
            #expect(bad.status == 1)
            let failed = try Self.json(bad)
            #expect(failed["state"] as? String == "failed")
            #expect(failed["attempts"] as? Int == 2, "one retry, then failed")
            #expect(failed["exitCode"] as? Int == 3)
            #expect((failed["message"] as? String)?.contains("ValueError: bad input row 12") == true)
            let failedLogs = try cluster.run(["logs", "\(try #require(failed["id"] as? Int))"])
            #expect(failedLogs.stderr.contains("ValueError: bad input row 12"), "a failed job's stderr, streamed")

            let text = try Self.submit(cluster, ["--wait"], ["no-such-program-drover"])
            #expect(text.status == 1)
            #expect(text.stdout.contains("was not found on the worker's PATH"), "\(text.stdout)")
        }
    }

    @Test("drover logs --follow shows a running command's output live, to its end")
    func followLive() throws {
        try Self.withCommandCluster(slots: 1) { cluster in
            let go = cluster.dir.appendingPathComponent("go").path
            // Prints a first line, waits until the test saw it live, then prints the rest.
            let script = "echo line-1; while [ ! -e \(go) ]; do sleep 0.05; done; for i in 2 3 4 5; do echo line-$i; done"
            let submitted = try Self.submit(cluster, ["--json"], ["sh", "-c", script])
            let id = try #require(try Self.json(submitted)["lastID"] as? Int)
            let deadline = ContinuousClock.now + .seconds(30)
            var seen = ""
            while !seen.contains("line-1"), ContinuousClock.now < deadline {
                seen = try cluster.run(["logs", "\(id)"]).stdout
            }
            #expect(seen.contains("line-1") && !seen.contains("line-2"), "the first line arrives while the job runs: \(seen)")
            #expect(FileManager.default.createFile(atPath: go, contents: nil))
            let followed = try cluster.run(["logs", "\(id)", "--follow"], timeout: .seconds(60))
            #expect(followed.status == 0)
            #expect(followed.stdout == "line-1\nline-2\nline-3\nline-4\nline-5\n", "\(followed.stdout)")
        }
    }

    @Test("a command flooding stdout: lost chunks are marked, and the worker's other job is not held up")
    func floodMarkedOthersUnaffected() throws {
        try Self.withCommandCluster(slots: 2) { cluster in
            let flood = try Self.submit(cluster, ["--json", "--job-timeout", "20s"], ["sh", "-c", "yes flood-line-of-text | head -c 300000000"])
            let id = try #require(try Self.json(flood)["lastID"] as? Int)
            try cluster.waitForStatus { $0.jobs("running") == 1 }
            let began = ContinuousClock.now
            #expect(try cluster.run(["submit", "--kind", "sleep", "--param", "ms=100", "--wait"]).status == 0)
            #expect(ContinuousClock.now - began < .seconds(10), "a sleep beside the flood took \(ContinuousClock.now - began)")
            #expect(try cluster.run(["submit", "--kind", "noop", "--wait"]).status == 0)
            let waited = try cluster.run(["logs", "\(id)", "--follow", "--stream", "stdout"], timeout: .seconds(120))
            #expect(waited.stdout.hasPrefix("flood-line-of-text\n"))
            #expect(waited.stdout.contains("chunk(s) of output lost]"), "the dropped output is marked")
            let status = try cluster.run(["status", "\(id)", "--json"])
            #expect(try Self.json(status)["state"] as? String == "succeeded")
        }
    }

    @Test("a command past its timeout is killed with its children and grandchildren")
    func timeoutKillsGroup() throws {
        try Self.withCommandCluster(slots: 1) { cluster in
            let child = cluster.dir.appendingPathComponent("child.pid").path
            let grandchild = cluster.dir.appendingPathComponent("grandchild.pid").path
            let script = "sleep 300 & echo $! > \(child); sh -c 'sleep 300 & echo $! > \(grandchild); wait' & wait"
            let r = try Self.submit(cluster, ["--job-timeout", "1500ms", "--grace", "500ms", "--wait", "--json"], ["sh", "-c", script])
            #expect(r.status == 1)
            #expect(try Self.json(r)["state"] as? String == "timed-out")
            // The slot is free only once the executor has returned, i.e. after the group was killed:
            // a job in the same single slot proves it.
            #expect(try cluster.run(["submit", "--kind", "noop", "--wait"]).status == 0)
            for path in [child, grandchild] {
                let pid = try #require(Int32(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
                #expect(Self.isGone(pid), "process \(pid) (\(path)) outlived the timeout")
            }
        }
    }

    @Test("a job over its memory limit is reported as killed for memory: by the OOM killer in a memory cgroup, else by RLIMIT_AS")
    func memoryLimitReported() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1", slots: 1, extra: Self.commandWorker(cluster.dir))
        defer { worker.stop(); coordinator.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 1 }
        let r = try Self.submit(cluster, ["--memory", "64M", "--wait", "--json"], ["sh", "-c", "head -c 400m /dev/zero | tail"])
        #expect(r.status == 1)
        let message = try #require(try Self.json(r)["message"] as? String)
        // The worker says at start which mechanism it has; the reason must name that one.
        let announced = try #require(worker.output.split(separator: "\n").first { $0.contains("command jobs: limits by") })
        if announced.contains("memory=cgroup-v") {
            #expect(message.hasPrefix("out of memory: the command was killed for memory by the kernel's OOM killer at its limit of 67108864 bytes (cgroup v"), "\(message)")
        } else {
            print("this host gives the worker no memory cgroup (\(announced)): checking the RLIMIT_AS report")
            #expect(message.hasPrefix("out of memory: the command exceeded its memory limit of 67108864 bytes (RLIMIT_AS"), "\(message)")
        }
    }

    @Test("a worker refuses --allow-commands as root without --allow-root-commands")
    func rootRefused() throws {
        guard geteuid() == 0 else { return } // the refusal itself is unit-tested with an injected uid
        let r = try drover(["worker", "--allow-commands", "--connect", "tcp://127.0.0.1:9"], timeout: .seconds(30))
        #expect(r.status == 2)
        #expect(r.stderr.contains("runs as root"), "\(r.stderr)")
    }

    @Test("with CURVE, only keys on the command-submitter list may submit command jobs")
    func commandSubmittersOnly() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let keys = try TestKeys(in: cluster.dir)
        let r0 = try drover(["keys", "generate", "--out", keys.dir.path, "--name", "ops"])
        #expect(r0.status == 0)
        let commandAllow = keys.dir.appendingPathComponent("commands.allow")
        try FileManager.default.copyItem(at: keys.dir.appendingPathComponent("ops.pub"), to: commandAllow)
        let coordinator = try cluster.coordinator(extra: keys.coordinatorFlags + ["--allow-command-clients", commandAllow.path])
        let worker = try cluster.worker("w1", slots: 1, extra: keys.peerFlags("w1") + Self.commandWorker(cluster.dir))
        defer { worker.stop(); coordinator.stop() }
        try cluster.waitForSecureStatus(keys) { $0.aliveWorkers == 1 }

        let refused = try Self.submit(cluster, keys.peerFlags("c1"), ["true"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("command-submitter allow-list"), "\(refused.stderr)")
        // c1 may still submit built-in kinds.
        #expect(try cluster.run(["submit", "--kind", "noop", "--wait"] + keys.peerFlags("c1")).status == 0)
        let allowed = try Self.submit(cluster, ["--wait"] + keys.peerFlags("ops"), ["true"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }
}
