import DroverCore
import Foundation
import Testing

@Suite(.offPool, .serialized, .timeLimit(.minutes(2)))
struct JobLifecycleTests {
    @Test("a job that always fails ends failed after its retry budget (3 attempts for --retries 2)")
    func failingJobExhaustsRetries() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1")
        defer { worker.stop(); coordinator.stop() }
        let r = try cluster.run(["submit", "--kind", "fail", "--param", "message=boom", "--retries", "2", "--wait", "--json"])
        #expect(r.status == 1)
        let job = try cluster.run(["status", "1", "--json"])
        let info = try JSONSerialization.jsonObject(with: Data(job.stdout.utf8)) as? [String: Any]
        #expect(info?["state"] as? String == "failed")
        #expect(info?["attempt"] as? Int == 3)
        #expect(info?["message"] as? String == "boom")
        let causes = (info?["history"] as? [[String: Any]])?.compactMap { $0["cause"] as? String } ?? []
        #expect(causes.filter { $0 == "retryAfterFailure" }.count == 2)
    }

    @Test("cancelling a running job stops it on the worker and frees the slot")
    func cancelReachesRunningJob() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1", slots: 1, extra: ["--prefetch", "0"])
        defer { worker.stop(); coordinator.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 1 }
        #expect(try cluster.run(["submit", "--kind", "sleep", "--param", "ms=600000"]).status == 0)
        try cluster.waitForStatus { $0.jobs("running") == 1 }
        let cancel = try cluster.run(["cancel", "1", "--json"])
        #expect(cancel.status == 0)
        // The slot comes back: a second job runs to completion on the single-slot worker.
        let next = try cluster.run(["submit", "--kind", "echo", "--param", "x=1", "--wait"], timeout: .seconds(30))
        #expect(next.status == 0)
        let status = try cluster.run(["status", "1", "--json"])
        #expect(status.stdout.contains("\"state\" : \"cancelled\""))
    }

    @Test("status --json reports job counts per state and workers")
    func statusJSON() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1")
        defer { worker.stop(); coordinator.stop() }
        #expect(try cluster.run(["submit", "--kind", "noop", "--count", "300", "--wait"]).status == 0)
        let r = try cluster.run(["status", "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj.jobs("succeeded") == 300)
        #expect(obj.aliveWorkers == 1)
    }

    @Test("a job needing a tag waits until a worker offering it connects")
    func tagsRouteJobs() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let plain = try cluster.worker("plain")
        defer { plain.stop(); coordinator.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 1 }
        #expect(try cluster.run(["submit", "--kind", "noop", "--tag", "gpu"]).status == 0)
        let why = try cluster.run(["status", "1"])
        #expect(why.stdout.contains("no connected worker offers the tags gpu"))
        let gpu = try cluster.worker("gpu", extra: ["--tag", "gpu"])
        defer { gpu.stop() }
        try cluster.waitForStatus { $0.jobs("succeeded") == 1 }
        let info = try cluster.run(["status", "1", "--json"])
        #expect(info.stdout.contains("\"worker\" : \"gpu\""))
    }
}

@Suite(.offPool) struct CommandLineTests {
    @Test("bad flags exit 2 with a message that says what to do")
    func usageErrors() throws {
        let r = try drover(["submit", "--kind", "noop", "--priority", "urgent"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--priority must be high, normal or low"))
        let p = try drover(["submit", "--kind", "noop", "--param", "oops"])
        #expect(p.status == 2)
        #expect(p.stderr.contains("NAME=VALUE"))
    }

    @Test("a client with no coordinator fails with exit 1 and a hint")
    func noCoordinator() throws {
        let port = try freePortPair()
        let r = try drover(["status", "--connect", "tcp://127.0.0.1:\(port)", "--timeout", "300"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no answer from the coordinator"))
    }

    @Test("every command has --help with an example")
    func helpHasExamples() throws {
        let commands = ["demo", "up", "coordinator", "worker", "submit", "status", "jobs", "workers", "cancel", "release",
                        "bench", "keys", "data", "train", "evaluate", "predict", "models", "runs", "lineage"]
        for command in commands {
            let r = try drover([command, "--help"])
            #expect(r.status == 0)
            // An indented example line, not just the USAGE line.
            let examples = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  drover \(command)") }
            #expect(!examples.isEmpty, "\(command) --help lacks an example")
        }
    }
}
