import Foundation
import Testing

/// Crash safety of pipeline runs (issue 8, "Tests"): a coordinator killed mid-run resumes it
/// without running a finished step twice or promoting twice; a worker killed mid-step only
/// costs its own job, which runs again elsewhere and yields the same model.
@Suite(.offPool, .serialized, .timeLimit(.minutes(6)))
struct PipelineCrashTests {
    static let spec = PipelineRunTests.examples.appendingPathComponent("pipeline.yaml").path

    func up(_ cluster: TestCluster, failpoint: String? = nil) throws -> DroverProcess {
        try DroverProcess(["up", "--workers", "2", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                           "--heartbeat-ms", "100", "--lease-ms", "1500", "--log-level", "info"],
                          name: "up-\(failpoint ?? "plain")-\(UUID().uuidString.prefix(4))", in: cluster.dir,
                          environment: failpoint.map { ["DROVER_FAILPOINT": $0] } ?? [:])
    }

    func start(_ cluster: TestCluster, _ extra: [String] = []) throws -> String {
        try cluster.waitForStatus { $0.aliveWorkers >= 2 }
        let add = try cluster.run(["data", "add", "diamonds", PipelineRunTests.examples.appendingPathComponent("span-1.csv").path,
                                   "--data-dir", cluster.dataDir])
        #expect(add.status == 0, "\(add.stderr)")
        let r = try cluster.run(["run", Self.spec, "--json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let id = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["id"] as? String
        return try #require(id)
    }

    /// `drover <args> --data-dir D --json`, parsed (nil when the command failed).
    static func records(_ cluster: TestCluster, _ args: [String]) throws -> Any? {
        let r = try drover(args + ["--data-dir", cluster.dataDir, "--json"], timeout: .seconds(30))
        guard r.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    /// Polls `drover runs show RUN` until `condition` holds on it (bounded).
    @discardableResult
    static func waitForRun(_ cluster: TestCluster, _ run: String, timeout: Duration = .seconds(240),
                           _ condition: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            if let shown = try records(cluster, ["runs", "show", run]) as? [String: Any] {
                last = shown
                if condition(shown) { return shown }
            }
            usleep(100_000)
        }
        Issue.record("run \(run) did not reach the expected state within \(timeout); last seen: \(last)")
        throw TestFailure("run state not reached")
    }

    static func step(_ shown: [String: Any], _ name: String) -> [String: Any]? {
        (shown["steps"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    static func status(_ shown: [String: Any]) -> String? { (shown["run"] as? [String: Any])?["status"] as? String }

    /// After a resumed run: promoted once, every job ran once, the journal audit passes.
    func checkResumed(_ cluster: TestCluster, _ run: String) throws {
        let shown = try Self.waitForRun(cluster, run) { Self.status($0) == "promoted" }
        for name in ["validate", "features", "train", "evaluate"] {
            #expect(Self.step(shown, name)?["status"] as? String == "succeeded", "\(name): \(shown)")
        }
        let jobs = shown["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.filter { $0["step"] as? String == "train" }.count == 1, "train ran once (one job, one attempt): \(jobs)")
        #expect(Set(jobs.compactMap { $0["jobID"] as? Int }).count == 6, "2 stats + 2 features + train + evaluate: \(jobs)")
        #expect((shown["verdicts"] as? [[String: Any]])?.count == 1, "one verdict for the run")
        let model = try Self.records(cluster, ["models", "show", "diamonds@champion"]) as? [String: Any] ?? [:]
        let moves = model["aliasHistory"] as? [[String: Any]] ?? []
        #expect(moves.count == 1 && moves.first?["toVersion"] as? Int == 1, "exactly one alias move: \(moves)")
        let status = try cluster.run(["status", "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(obj.jobs("succeeded") == 6, "no job was submitted twice: \(obj)")
    }

    func audit(_ cluster: TestCluster) throws {
        let r = try drover(["journal", "audit", "--data-dir", cluster.dataDir])
        #expect(r.status == 0, "journal audit: \(r.stdout)\(r.stderr)")
    }

    /// Starts a run on `up` with `failpoint`, lets `crash` end that process, restarts `up`
    /// without it and checks the resumed run.
    func crashAndResume(failpoint: String, crash: (TestCluster, String, DroverProcess) throws -> Void) throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let first = try up(cluster, failpoint: failpoint)
        let run = try start(cluster)
        try crash(cluster, run, first)
        let second = try up(cluster)
        try checkResumed(cluster, run)
        second.stop()
        try audit(cluster)
    }

    @Test("coordinator kill -9 after train, before promotion: the run resumes, no step runs twice, one promotion")
    func killBeforePromotion() throws {
        try crashAndResume(failpoint: "pipeline-hold-before:decide") { cluster, run, first in
            // The runner stops just before the decision; the store shows the promote step deciding.
            try Self.waitForRun(cluster, run) { Self.step($0, "promote")?["status"] as? String == "deciding" }
            first.kill9()
            let shown = try #require(try Self.records(cluster, ["runs", "show", run]) as? [String: Any])
            #expect(Self.step(shown, "train")?["status"] as? String == "succeeded")
            #expect(try Self.records(cluster, ["models", "show", "diamonds@champion"]) == nil, "nothing promoted before the kill")
        }
    }

    @Test("coordinator dies right after the registry committed the promotion: the resumed run does not promote again")
    func crashAfterPromotion() throws {
        try crashAndResume(failpoint: "pipeline-crash-after:decide") { _, _, first in
            first.process.waitUntilExit() // the failpoint exits the process (137) once the promotion is committed
            #expect(first.process.terminationStatus == 137, "\(first.output.suffix(2000))")
        }
    }

    @Test("the store lost the last step's records in the crash after the promotion: the resumed run records its job's attempts")
    func crashLosesTheLastRecords() throws {
        // From evaluate's job on, nothing reaches the metadata store, as when its writer had not
        // committed them; the resumed run must still show all 6 jobs (checkResumed).
        try crashAndResume(failpoint: "pipeline-unrecorded-from:evaluate,pipeline-crash-after:decide") { cluster, run, first in
            first.process.waitUntilExit()
            #expect(first.process.terminationStatus == 137, "\(first.output.suffix(2000))")
            let shown = try Self.records(cluster, ["runs", "show", run]) as? [String: Any] ?? [:]
            let jobs = Set((shown["jobs"] as? [[String: Any]] ?? []).compactMap { $0["jobID"] as? Int })
            #expect(jobs.count == 5, "before the resume, the store lacks evaluate's job: \(jobs)")
        }
    }

    @Test("two runs started against the same champion: one promotes, the other is registered but not promoted (exit 3)")
    func concurrentRuns() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let node = try up(cluster)
        defer { node.stop() }
        let a = try start(cluster)
        let b = try cluster.run(["run", Self.spec, "--json", "--param", "trees=50"])
        let second = try #require((try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any])?["id"] as? String)
        let ended = try [a, second].map { run in try Self.waitForRun(cluster, run) { ["promoted", "rejected"].contains(Self.status($0) ?? "") } }
        let statuses = ended.compactMap(Self.status)
        #expect(statuses.sorted() == ["promoted", "rejected"], "\(statuses)")
        let loser = try #require(ended.first { Self.status($0) == "rejected" })
        #expect(((loser["run"] as? [String: Any])?["message"] as? String)?.contains("@champion moved to version") == true, "\(loser)")
        #expect((loser["verdicts"] as? [[String: Any]])?.first.map { ($0["verdict"] as? [String: Any])?["outcome"] as? String } == "pass",
                "its verdict passed against no champion, but it was never compared with the new one")
        let versions = try Self.records(cluster, ["models", "list", "diamonds"]) as? [[String: Any]] ?? []
        #expect(versions.count == 2 && versions.filter { ($0["aliases"] as? [String]) == ["champion"] }.count == 1, "\(versions)")
    }

    @Test("a worker killed mid-train: the job runs again on the other worker and yields the same model")
    func workerKilledMidStep() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        defer { coordinator.stop() }
        let workers = try ["w1", "w2"].map { try cluster.worker($0, slots: 2, extra: ["--artifacts-dir", cluster.dataDir]) }
        defer { for w in workers { w.stop() } }
        // More trees than the example: the train job runs long enough to be caught running.
        let slower = ["--param", "trees=200"]
        let run = try start(cluster, slower)
        // Wait until the train job runs somewhere, then kill that worker.
        var victim: String?
        let deadline = ContinuousClock.now + .seconds(180)
        while victim == nil, ContinuousClock.now < deadline {
            let r = try cluster.run(["jobs", "--state", "running", "--json"])
            let jobs = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
            victim = jobs.first { $0["kind"] as? String == "train" }?["worker"] as? String
            if victim == nil { usleep(5_000) }
        }
        let name = try #require(victim, "the train job never ran")
        let killed = try #require(workers.first { $0.name == name })
        killed.kill9()

        let shown = try Self.waitForRun(cluster, run) { Self.status($0) == "promoted" }
        let train = (shown["jobs"] as? [[String: Any]] ?? []).filter { $0["step"] as? String == "train" }
        #expect(train.count == 2, "attempt 1 lost with \(name), attempt 2 elsewhere: \(train)")
        #expect(Set(train.compactMap { $0["worker"] as? String }).count == 2, "\(train)")
        let model = try #require(try Self.records(cluster, ["models", "show", "diamonds@champion"]) as? [String: Any])
        let digest = (model["version"] as? [String: Any])?["artifactDigest"] as? String

        // The same steps again without the cache, on the surviving worker: the same bytes.
        let nocache = cluster.dir.appendingPathComponent("nocache.yaml")
        let text = try String(contentsOfFile: Self.spec, encoding: .utf8).replacingOccurrences(of: "shards: 2", with: "shards: 2\ncache: false")
        try text.write(to: nocache, atomically: true, encoding: .utf8)
        let again = try cluster.run(["run", nocache.path, "--wait", "--json"] + slower, timeout: .seconds(240))
        let info = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any] ?? [:]
        let trainStep = (info["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "train" }
        let outputs = trainStep?["outputs"] as? [String: String] ?? [:]
        #expect(trainStep?["cachedFrom"] == nil, "the rerun trained again")
        let rerun = try #require(outputs["model"])
        #expect(!rerun.hasPrefix(digest ?? "-"), "the file records its own provenance (job, time), so the bytes differ")
        #expect(try Self.modelBody(cluster, rerun) == Self.modelBody(cluster, try #require(digest)),
                "the same model: trees, parameters and holdout metrics are identical")
    }

    /// A model file without its provenance (the job that trained it, when, how long).
    static func modelBody(_ cluster: TestCluster, _ reference: String) throws -> Data {
        let hex = reference.split(separator: ":")[1]
        let path = "\(cluster.dataDir)/artifacts/sha256/\(hex.prefix(2))/\(hex)"
        var model = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var training = model["training"] as? [String: Any] ?? [:]
        #expect(training["source"] != nil && training["seconds"] != nil, "the provenance fields exist: \(training.keys.sorted())")
        for key in ["source", "startedAt", "seconds"] { training[key] = nil }
        model["training"] = training
        return try JSONSerialization.data(withJSONObject: model, options: [.sortedKeys])
    }
}
