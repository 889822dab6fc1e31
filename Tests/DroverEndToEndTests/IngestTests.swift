import Foundation
import Synchronization
import Testing

/// `drover ingest` on `drover up`: the trigger policy decides on each new span, the run trains on
/// the window, warm-starts from the champion, and one promotion per model runs at a time.
@Suite(.offPool, .serialized, .timeLimit(.minutes(8)))
struct IngestTests {
    /// Generated regression rows: y = 3·x1 + 2·x2 − x3 + noise; `shift` moves x1's mean (in σ).
    static func span(seed: UInt64, rows: Int = 1500, shift: Double = 0) -> String {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        var lines = ["x1,x2,x3,y"]
        for _ in 0..<rows {
            let x1 = normal() + shift, x2 = normal(), x3 = normal()
            let y = 3 * x1 + 2 * x2 - x3 + 0.3 * normal()
            lines.append(String(format: "%.5f,%.5f,%.5f,%.5f", x1, x2, x3, y))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func pipeline(trigger: String, extra: String = "", trees: Int = 8) -> String {
        """
        pipeline: sensors-retrain
        model: sensors
        datasets:
          sensors: {span: latest}
        params: {label: y, model: gbdt, trees: \(trees), seed: 3}
        shards: 2
        trigger: \(trigger)
        \(extra)
        steps:
          validate:
            dataset: sensors
            params: {drift_share: 2}      # never blocks: this test is about the trigger
          train: {needs: [validate], dataset: sensors}
          evaluate: {needs: [train]}
          promote:
            needs: [evaluate]
            gates: [{metric: r2, min: 0.5}]
        """
    }

    struct Node {
        let cluster: TestCluster
        let process: DroverProcess?

        init(cluster: TestCluster) {
            self.cluster = cluster
            process = nil
        }

        init() throws {
            cluster = try TestCluster()
            process = try DroverProcess(["up", "--workers", "2", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                         "--heartbeat-ms", "100", "--lease-ms", "1500", "--log-level", "info"], name: "up", in: cluster.dir)
            try cluster.waitForStatus { $0.aliveWorkers >= 2 }
        }

        func stop() {
            process?.stop()
            cluster.cleanUp()
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = cluster.dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// `drover ingest … --json` → exit code and the printed object.
        func ingest(_ target: String, _ file: String) throws -> (Int32, [String: Any]) {
            let (status, out) = try ingestText(target, file)
            return (status, Self.object(out, status: status))
        }

        func ingestText(_ target: String, _ file: String, wait: Bool = true) throws -> (Int32, String) {
            let r = try cluster.run(["ingest", target, file, "--json"] + (wait ? ["--wait"] : []), timeout: .seconds(300))
            return (r.status, r.stdout + (r.stdout.isEmpty ? r.stderr : ""))
        }

        static func object(_ text: String, status: Int32) -> [String: Any] {
            let obj = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            if obj.isEmpty { Issue.record("no JSON from drover ingest (exit \(status)): \(text)") }
            return obj
        }

        /// `drover runs show RUN --json` once the run has ended (polled, bounded).
        func finished(_ run: String, timeout: Duration = .seconds(240)) throws -> [String: Any] {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let r = try drover(["runs", "show", run, "--data-dir", cluster.dataDir, "--json"])
                if let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                   let status = (obj["run"] as? [String: Any])?["status"] as? String, status != "running" { return obj }
                usleep(100_000)
            }
            throw TestFailure("run \(run) did not end within \(timeout)")
        }

        /// The trees of a model artifact (`sha256:HEX:SIZE`) in the coordinator's store.
        func trees(_ ref: String) throws -> [Any] {
            let hex = ref.split(separator: ":")[1]
            let path = "\(cluster.dataDir)/artifacts/sha256/\(hex.prefix(2))/\(hex)"
            let obj = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            return (obj?["gbdt"] as? [String: Any])?["trees"] as? [Any] ?? []
        }
    }

    static func model(_ run: [String: Any]) -> String? {
        ((run["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "train" }?["outputs"] as? [String: String])?["model"]
    }

    @Test("drift above drift_above triggers a run on the window; drift below it does not")
    func driftThreshold() throws {
        let node = try Node()
        defer { node.stop() }
        let spec = try node.write("pipeline.yaml", Self.pipeline(trigger: "{ on: span, drift_above: 0.2 }", extra: "window: { last: 2 }"))

        let (first, one) = try node.ingest(spec, try node.write("span-1.csv", Self.span(seed: 1)))
        let ingest1 = one["ingest"] as? [String: Any] ?? [:]
        #expect(first == 0, "\(one)")
        #expect(ingest1["rule"] as? String == "drift" && ingest1["state"] as? String == "started", "\(ingest1)")
        #expect((ingest1["reason"] as? String)?.contains("first model") == true)
        #expect((one["run"] as? [String: Any])?["state"] as? String == "promoted")

        // Same population, other rows: drift well below 0.2 σ. Registered, no run.
        let (second, two) = try node.ingest("sensors", try node.write("span-2.csv", Self.span(seed: 2)))
        let ingest2 = two["ingest"] as? [String: Any] ?? [:]
        #expect(second == 0 && ingest2["state"] as? String == "held" && ingest2["rule"] == nil && ingest2["run"] == nil, "\(two)")
        #expect((ingest2["reason"] as? String)?.contains("not above drift_above 0.2") == true, "\(ingest2)")
        #expect((ingest2["drift"] as? Double ?? 1) < 0.2)
        #expect(ingest2["span"] as? Int == 2)

        // x1 moved by half a standard deviation: above 0.2, a run trains on spans 2–3.
        let (third, three) = try node.ingest("sensors", try node.write("span-3.csv", Self.span(seed: 3, shift: 0.5)))
        let ingest3 = three["ingest"] as? [String: Any] ?? [:]
        #expect(ingest3["rule"] as? String == "drift" && ingest3["state"] as? String == "started", "\(ingest3)")
        #expect((ingest3["drift"] as? Double ?? 0) > 0.2)
        let reason = ingest3["reason"] as? String ?? ""
        #expect(reason.contains("x1") && reason.contains("above drift_above 0.2") && reason.contains("spans 1–2"), "\(reason)")
        let run = three["run"] as? [String: Any] ?? [:]
        #expect([0, 3].contains(third) && ["promoted", "rejected"].contains(run["state"] as? String), "\(run)")
        #expect((run["trigger"] as? String)?.hasPrefix("drift: ") == true)
        #expect(run["window"] as? [String] == ["sensors spans 2–3"])

        // `drover runs show` (the metadata store) shows how the run was started and what it read.
        let show = try drover(["runs", "show", run["id"] as? String ?? "", "--data-dir", node.cluster.dataDir, "--json"])
        let detail = (try? JSONSerialization.jsonObject(with: Data(show.stdout.utf8))) as? [String: Any] ?? [:]
        let retraining = detail["retraining"] as? [String: Any] ?? [:]
        #expect(retraining["rule"] as? String == "drift" && retraining["ingest"] as? String == "sensors/span-3", "\(show.stdout)")
        #expect(retraining["window"] as? String == "sensors spans 2–3")
        let text = try drover(["runs", "show", run["id"] as? String ?? "", "--data-dir", node.cluster.dataDir])
        #expect(text.stdout.contains("trigger: drift") && text.stdout.contains("window: sensors spans 2–3"), "\(text.stdout)")
    }

    @Test("warm_start: champion continues boosting from the champion's trees")
    func warmStart() throws {
        let node = try Node()
        defer { node.stop() }
        let spec = try node.write("pipeline.yaml", Self.pipeline(trigger: "{ on: span }", extra: "warm_start: champion", trees: 6))
        let (first, one) = try node.ingest(spec, try node.write("span-1.csv", Self.span(seed: 1)))
        let run1 = one["run"] as? [String: Any] ?? [:]
        #expect(first == 0 && run1["state"] as? String == "promoted", "\(one)")
        #expect((run1["warmStart"] as? String)?.hasPrefix("cold: no champion") == true, "\(run1)")
        let champion = try node.trees(try #require(Self.model(run1)))
        #expect(champion.count == 6)

        let (_, two) = try node.ingest("sensors", try node.write("span-2.csv", Self.span(seed: 2)))
        let run2 = two["run"] as? [String: Any] ?? [:]
        #expect((run2["trigger"] as? String)?.hasPrefix("span: ") == true, "\(two)")
        #expect(run2["warmStart"] as? String == "champion: continued boosting from its 6 trees", "\(run2)")
        let trees = try node.trees(try #require(Self.model(run2)))
        #expect(trees.count == 12, "6 of the champion's, then 6 more rounds")
        #expect((Array(trees.prefix(6)) as NSArray).isEqual(to: champion), "the model starts with the champion's trees")
        let show = try drover(["runs", "show", run2["id"] as? String ?? "", "--data-dir", node.cluster.dataDir])
        #expect(show.stdout.contains("warm start: champion: continued boosting from its 6 trees"), "\(show.stdout)")
    }

    @Test("three spans ingested at once: one run starts, one queues behind it, one is coalesced; promotions never overlap")
    func concurrentIngests() throws {
        // A coordinator and a worker of their own, so the first triggered run can be held (its
        // worker stopped) while the other spans arrive: the decisions do not race the run.
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        defer { coordinator.stop() }
        var worker = try cluster.worker("w1")
        defer { worker.stop() } // the one running at the end
        try cluster.waitForStatus { $0.aliveWorkers >= 1 }
        let node = Node(cluster: cluster)
        let spec = try node.write("pipeline.yaml", Self.pipeline(trigger: "{ on: span }"))
        let (first, one) = try node.ingest(spec, try node.write("span-1.csv", Self.span(seed: 1)))
        #expect(first == 0, "\(one)")
        worker.stop()
        try cluster.waitForStatus { $0.aliveWorkers == 0 }

        let files = try (2...4).map { try node.write("span-\($0).csv", Self.span(seed: UInt64($0))) }
        let results = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let r = (try? node.ingestText("sensors", files[i], wait: false)) ?? (-1, "")
            results.withLock { $0.append(r.1) }
        }
        let ingests = results.withLock { $0 }.map { Node.object($0, status: 0)["ingest"] as? [String: Any] ?? [:] }
        #expect(ingests.compactMap { $0["state"] as? String }.sorted() == ["coalesced", "queued", "started"], "\(ingests)")
        let started = try #require(ingests.first { $0["state"] as? String == "started" }?["run"] as? String)
        let queued = ingests.first { $0["state"] as? String == "queued" }
        let waiting = try #require(queued?["run"] as? String)
        #expect(queued?["behind"] as? String == started)
        let coalesced = ingests.first { $0["state"] as? String == "coalesced" }
        #expect(coalesced?["run"] as? String == waiting && coalesced?["behind"] as? String == started)

        worker = try cluster.worker("w2")
        let a = try node.finished(started), b = try node.finished(waiting)
        // The waiting run began after the first ended, read the newest span (4) and compared
        // with the champion the first one left.
        let ended = try #require((a["run"] as? [String: Any])?["finishedAt"] as? Double)
        let began = (b["steps"] as? [[String: Any]])?.compactMap { $0["startedAt"] as? Double }.min() ?? 0
        #expect(began >= ended, "the queued run's first step began after the first run ended")
        let params = b["params"] as? [String: String] ?? [:]
        #expect(params["input.sensors"] == "sensors span 4", "\(params)")
        let versions = (a["verdicts"] as? [[String: Any]])?.compactMap { $0["candidateVersion"] as? Int } ?? []
        if (a["run"] as? [String: Any])?["status"] as? String == "promoted" {
            #expect(params["champion"] == "v\(versions.first ?? 0)", "\(params)")
        }
        let message = (b["run"] as? [String: Any])?["message"] as? String ?? ""
        #expect(!message.contains("moved"), "never superseded: the promotions did not overlap")
    }
}
