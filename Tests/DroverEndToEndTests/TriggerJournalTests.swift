import Foundation
import Testing

/// The trigger journal and cron schedules on `drover up` (docs/pipelines.md, "Trigger
/// decisions"): a schedule fires exactly one run at its instant, every decision is listed by
/// `drover triggers list`, and a coordinator killed mid-decision neither loses nor repeats one.
/// The schedule's time is the test's (`DROVER_TEST_CLOCK`): the test moves it past an instant
/// and waits for the decision to be listed, never for the wall clock.
@Suite(.offPool, .serialized, .timeLimit(.minutes(8)))
struct TriggerJournalTests {
    static let schedule = IngestTests.pipeline(trigger: #"{ on: schedule, schedule: "0 3 * * *" }"#)

    static func ms(_ iso: String) -> Int64 {
        Int64((ISO8601DateFormatter().date(from: iso)?.timeIntervalSince1970 ?? 0) * 1000)
    }

    struct Node {
        let cluster: TestCluster
        var clock: String { cluster.dir.appendingPathComponent("clock").path }
        var base: IngestTests.Node { IngestTests.Node(cluster: cluster) }

        /// `drover up` with the test's clock (and a failpoint).
        func up(failpoint: String? = nil) throws -> DroverProcess {
            var environment = ["DROVER_TEST_CLOCK": clock]
            if let failpoint { environment["DROVER_FAILPOINT"] = failpoint }
            let process = try DroverProcess(["up", "--workers", "2", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                             "--heartbeat-ms", "100", "--lease-ms", "1500", "--log-level", "info"],
                                            name: "up-\(failpoint ?? "plain")-\(UUID().uuidString.prefix(4))", in: cluster.dir,
                                            environment: environment)
            try cluster.waitForStatus { $0.aliveWorkers >= 2 }
            return process
        }

        func set(clock iso: String) throws {
            try "\(TriggerJournalTests.ms(iso))".write(toFile: clock, atomically: true, encoding: .utf8)
        }

        /// `drover triggers list --json`.
        func decisions() throws -> [[String: Any]] {
            let r = try cluster.run(["triggers", "list", "--json", "--limit", "100"])
            #expect(r.status == 0, "\(r.stderr)")
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
        }

        /// Polls `drover triggers list` until a decision satisfies `condition` (bounded).
        @discardableResult
        func waitForDecision(timeout: Duration = .seconds(90), _ condition: ([String: Any]) -> Bool) throws -> [String: Any] {
            let deadline = ContinuousClock.now + timeout
            var last: [[String: Any]] = []
            while ContinuousClock.now < deadline {
                last = (try? decisions()) ?? []
                if let found = last.first(where: condition) { return found }
                usleep(100_000)
            }
            Issue.record("no such trigger decision within \(timeout); listed: \(last)")
            throw TestFailure("trigger decision not reached")
        }

        /// The runs the metadata store recorded.
        func runs() throws -> [[String: Any]] {
            let r = try drover(["runs", "list", "--data-dir", cluster.dataDir, "--json"])
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
        }

        /// Ingests span 1 under `on: schedule`: registered, held for the schedule.
        func ingestHeld() throws {
            let spec = try base.write("pipeline.yaml", TriggerJournalTests.schedule)
            let (status, text) = try base.ingestText(spec, try base.write("span-1.csv", IngestTests.span(seed: 1)), wait: false)
            let ingest = IngestTests.Node.object(text, status: status)["ingest"] as? [String: Any] ?? [:]
            #expect(status == 0 && ingest["state"] as? String == "held" && ingest["run"] == nil, "\(text)")
            #expect((ingest["reason"] as? String)?.contains("the schedule '0 3 * * *' will") == true, "\(ingest)")
        }
    }

    static func isSchedule(_ d: [String: Any], outcome: String? = nil) -> Bool {
        d["event"] as? String == "schedule" && (outcome == nil || d["outcome"] as? String == outcome)
    }

    @Test("a cron schedule fires exactly one run at its instant, with the trigger note; the next instant without a new span holds")
    func scheduleFiresOnce() throws {
        let node = Node(cluster: try TestCluster())
        defer { node.cluster.cleanUp() }
        try node.set(clock: "2026-12-01T02:58:00Z")
        let up = try node.up()
        defer { up.stop() }
        try node.ingestHeld()
        let held = try node.decisions()
        #expect(held.count == 1 && held.first?["outcome"] as? String == "held" && held.first?["event"] as? String == "span", "\(held)")

        try node.set(clock: "2026-12-01T03:00:30Z")
        let fired = try node.waitForDecision { Self.isSchedule($0) }
        #expect(fired["outcome"] as? String == "started" && fired["rule"] as? String == "schedule", "\(fired)")
        #expect(fired["key"] as? String == "sensors/schedule@2026-12-01T03:00Z" && fired["spans"] as? [String] == ["sensors span 1"])
        let reason = fired["reason"] as? String ?? ""
        #expect(reason.contains("was due at 2026-12-01T03:00Z and 1 new span arrived"), "\(reason)")
        let run = try #require(fired["run"] as? String)
        let shown = try node.base.finished(run)
        let retraining = shown["retraining"] as? [String: Any] ?? [:]
        #expect(retraining["rule"] as? String == "schedule" && retraining["reason"] as? String == reason, "\(shown)")

        // The next day's instant: no span arrived since, so no run — and the decision says so.
        try node.set(clock: "2026-12-02T03:00:30Z")
        let next = try node.waitForDecision { $0["key"] as? String == "sensors/schedule@2026-12-02T03:00Z" }
        #expect(next["outcome"] as? String == "held" && next["run"] == nil, "\(next)")
        #expect((next["reason"] as? String)?.contains("no span arrived since the last run (trained through span 1)") == true, "\(next)")
        #expect(try node.runs().count == 1, "exactly one run, started by the schedule")
        #expect(try node.decisions().filter { Self.isSchedule($0, outcome: "started") }.count == 1)
        let text = try node.cluster.run(["triggers", "list", "--model", "sensors"])
        #expect(text.status == 0 && text.stdout.contains("schedule") && text.stdout.contains(run), "\(text.stdout)")
    }

    @Test("coordinator kill -9 with a span journaled but not decided: the restarted coordinator decides it, once")
    func pendingSpanSurvivesKill() throws {
        let node = Node(cluster: try TestCluster())
        defer { node.cluster.cleanUp() }
        try node.set(clock: "2026-12-01T10:00:00Z")
        let first = try node.up(failpoint: "pipeline-hold-before:trigger-decide")
        let spec = try node.base.write("pipeline.yaml", IngestTests.pipeline(trigger: "{ on: span }"))
        let csv = try node.base.write("span-1.csv", IngestTests.span(seed: 1))
        // The client waits for a decision that will not come from this process.
        let client = try DroverProcess(["ingest", spec, csv, "--json", "--connect", node.cluster.endpoint],
                                       name: "ingest", in: node.cluster.dir)
        defer { client.stop() }
        let pending = try node.waitForDecision { $0["key"] as? String == "sensors/span-1" }
        #expect(pending["outcome"] as? String == "deciding", "\(pending)")
        first.kill9()

        let second = try node.up()
        defer { second.stop() }
        let decided = try node.waitForDecision { $0["key"] as? String == "sensors/span-1" && $0["outcome"] as? String != "deciding" }
        #expect(decided["outcome"] as? String == "started" && decided["rule"] as? String == "span", "\(decided)")
        let run = try #require(decided["run"] as? String)
        let shown = try node.base.finished(run)
        #expect((shown["run"] as? [String: Any])?["status"] as? String == "promoted", "\(shown)")
        #expect(try node.runs().count == 1, "decided once: one run")
        #expect(try node.decisions().filter { $0["key"] as? String == "sensors/span-1" }.count == 1, "one row once decided")
    }

    @Test("coordinator killed after a scheduled run was stored, before its decision was journaled: journaled from the run, never fired again")
    func storedRunNotFiredTwice() throws {
        let node = Node(cluster: try TestCluster())
        defer { node.cluster.cleanUp() }
        try node.set(clock: "2026-12-01T02:58:00Z")
        let first = try node.up(failpoint: "pipeline-crash-after:trigger-run-stored")
        try node.ingestHeld()
        try node.set(clock: "2026-12-01T03:00:30Z")
        first.process.waitUntilExit() // the failpoint exits (137) once the run is stored
        #expect(first.process.terminationStatus == 137, "\(first.output.suffix(2000))")

        let second = try node.up()
        defer { second.stop() }
        let fired = try node.waitForDecision { Self.isSchedule($0) }
        #expect(fired["recovered"] as? Bool == true && fired["outcome"] as? String == "started", "\(fired)")
        #expect(fired["key"] as? String == "sensors/schedule@2026-12-01T03:00Z")
        let run = try #require(fired["run"] as? String)
        _ = try node.base.finished(run)

        // The restarted coordinator checked the schedule at 03:00:30 again and did not fire; the
        // next instant, with no new span, holds.
        try node.set(clock: "2026-12-02T03:00:30Z")
        try node.waitForDecision { $0["key"] as? String == "sensors/schedule@2026-12-02T03:00Z" && $0["outcome"] as? String == "held" }
        #expect(try node.runs().count == 1, "the stored run, and no other")
        #expect(try node.decisions().filter { Self.isSchedule($0, outcome: "started") }.count == 1)
    }

    @Test("coordinator killed after journaling a span, before committing it: the span is held as not registered; ingested again, it is decided anew")
    func journaledSpanNotCommitted() throws {
        let node = Node(cluster: try TestCluster())
        defer { node.cluster.cleanUp() }
        try node.set(clock: "2026-12-01T10:00:00Z")
        let first = try node.up(failpoint: "pipeline-crash-after:trigger-span-journaled")
        let spec = try node.base.write("pipeline.yaml", IngestTests.pipeline(trigger: "{ on: span }"))
        let csv = try node.base.write("span-1.csv", IngestTests.span(seed: 1))
        let client = try DroverProcess(["ingest", spec, csv, "--json", "--connect", node.cluster.endpoint, "--timeout", "2000"],
                                       name: "ingest", in: node.cluster.dir)
        defer { client.stop() }
        first.process.waitUntilExit() // the failpoint exits (137) once the span is journaled
        #expect(first.process.terminationStatus == 137, "\(first.output.suffix(2000))")

        let second = try node.up()
        defer { second.stop() }
        let held = try node.waitForDecision { $0["key"] as? String == "sensors/span-1" && $0["outcome"] as? String == "held" }
        #expect((held["reason"] as? String)?.contains("was not registered") == true, "\(held)")
        #expect(try node.runs().isEmpty)

        let (status, again) = try node.base.ingest(spec, csv)
        let ingest = again["ingest"] as? [String: Any] ?? [:]
        #expect(status == 0 && ingest["state"] as? String == "started" && ingest["span"] as? Int == 1, "\(again)")
        #expect((again["run"] as? [String: Any])?["state"] as? String == "promoted", "\(again)")
        let listed = try node.decisions().filter { $0["key"] as? String == "sensors/span-1" }.compactMap { $0["outcome"] as? String }
        #expect(listed == ["started", "held"], "both decisions, newest first: \(listed)")
    }
}
