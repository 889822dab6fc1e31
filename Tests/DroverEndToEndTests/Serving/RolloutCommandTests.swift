import Foundation
import Testing

/// `drover rollout` against a running `drover serve`: the split is sticky and within bounds, a
/// worse challenger is rejected by the live sequential test (verdict stored, traffic back to the
/// champion), a better one with --auto-promote becomes the champion.
@Suite("drover rollout", .offPool, .serialized)
struct RolloutCommandTests {
    struct Answer { var requestID: String; var arm: String; var version: Int }

    static func predict(_ http: HTTPProbe, _ row: String, key: String) throws -> Answer {
        let r = try http.post("/v1/models/churn/predict", json: #"{"rows":[\#(row)],"key":"\#(key)"}"#)
        guard r.status == 200, let id = r.json?["request_id"] as? String, let arm = r.json?["arm"] as? String,
              let v = r.json?["version"] as? Int else { throw TestFailure("predict failed: \(r.status) \(r.text)") }
        return Answer(requestID: id, arm: arm, version: v)
    }

    /// Sends `count` requests with outcomes (true labels), in batches; stops early when `until` holds.
    static func traffic(_ http: HTTPProbe, rows: [(json: String, label: String)], count: Int, offset: Int = 0,
                        until: () throws -> Bool = { false }) throws -> [String: Int] {
        var arms: [String: Int] = [:]
        var outcomes: [String] = []
        for i in 0..<count {
            let row = rows[(offset + i) % rows.count]
            let a = try predict(http, row.json, key: "user-\(offset + i)")
            arms[a.arm, default: 0] += 1
            outcomes.append(#"{"request_id":"\#(a.requestID)","label":"\#(row.label)"}"#)
            if outcomes.count == 50 {
                let r = try http.post("/v1/models/churn/outcomes", json: #"{"outcomes":[\#(outcomes.joined(separator: ","))]}"#)
                guard r.status == 200 else { throw TestFailure("outcomes refused: \(r.text)") }
                outcomes = []
                if try until() { break }
            }
        }
        return arms
    }

    func setUp(championBad: Bool) async throws -> (ServeFixture, good: Int, bad: Int) {
        let f = try ServeFixture()
        let span = ServeFixture.examples.appendingPathComponent("span-1.csv").path
        let good = try await f.register(try f.train("gbdt", csv: span, extra: ["--trees", "30"]))
        let bad = try await f.register(try f.train("bad", csv: try f.shuffledSpan(), extra: ["--model", "logistic"]))
        try f.promote(championBad ? bad : good)
        return (f, good, bad)
    }

    func status(_ f: ServeFixture) throws -> (CommandResult, [String: Any]) {
        let r = try drover(["rollout", "status", "churn", "--data-dir", f.dataDir, "--json"])
        return (r, (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:])
    }

    /// Starts a rollout and waits until the server routes a request to the challenger (it picks
    /// the rollout up at its next poll).
    func start(_ f: ServeFixture, _ http: HTTPProbe, _ rows: [(json: String, label: String)], _ arguments: [String]) throws {
        let r = try drover(["rollout", "churn"] + arguments + ["--data-dir", f.dataDir])
        #expect(r.status == 0, "\(r.stderr)")
        var seen = false
        for i in 0..<2_000 where !seen { seen = try Self.predict(http, rows[0].json, key: "probe-\(i)").arm != "champion" }
        #expect(seen)
    }

    /// Sends traffic with outcomes until the rollout is no longer running.
    func trafficUntilDecided(_ f: ServeFixture, _ http: HTTPProbe, _ rows: [(json: String, label: String)]) throws {
        _ = try Self.traffic(http, rows: rows, count: 6_000) {
            (try status(f).1["rollout"] as? [String: Any])?["status"] as? String != "running"
        }
    }

    @Test("a 10 % split lands within binomial bounds and is sticky by key")
    func stickySplit() async throws {
        let (f, _, bad) = try await setUp(championBad: false)
        let (server, http) = try f.serve()
        defer { server.stop() }
        let rows = try ServeFixture.rows(limit: 50)
        try start(f, http, rows, ["--challenger", String(bad), "--split", "10"])
        let n = 1_200
        var first: [String: String] = [:]
        var challenger = 0
        for i in 0..<n {
            let a = try Self.predict(http, rows[i % rows.count].json, key: "user-\(i)")
            first["user-\(i)"] = a.arm
            if a.arm == "challenger" { challenger += 1; #expect(a.version == bad) }
        }
        let sd = (0.1 * 0.9 / Double(n)).squareRoot()
        #expect(abs(Double(challenger) / Double(n) - 0.1) < 4 * sd, "challenger share \(challenger) of \(n)")
        for i in stride(from: 0, to: n, by: 7) {
            #expect(try Self.predict(http, rows[0].json, key: "user-\(i)").arm == first["user-\(i)"])
        }
        let (r, json) = try status(f)
        #expect(r.status == 0)
        let srm = (json["judgement"] as? [String: Any])?["srm"] as? [String: Any]
        #expect(srm?["checked"] as? Bool == true && srm?["mismatch"] as? Bool == false, "\(r.stdout)")
        let text = try drover(["rollout", "status", "churn", "--data-dir", f.dataDir])
        #expect(text.stdout.contains("challenger") && text.stdout.contains("SRM"), "\(text.stdout)")
    }

    @Test("a worse challenger is rejected by the live test: verdict stored, status exit 3, all traffic back to the champion")
    func worseChallengerRolledBack() async throws {
        let (f, good, bad) = try await setUp(championBad: false)
        let (server, http) = try f.serve()
        defer { server.stop() }
        let rows = try ServeFixture.rows(limit: 2_000)
        try start(f, http, rows, ["--challenger", String(bad), "--split", "50"])
        try trafficUntilDecided(f, http, rows)
        var ended: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            ended = (try status(f).1["rollout"] as? [String: Any]) ?? [:]
            if ended["status"] as? String != "running" { break }
            usleep(50_000)
        }
        #expect(ended["status"] as? String == "rolled_back", "\(ended)")
        #expect((ended["reason"] as? String)?.contains("worse") == true, "\(ended)")
        #expect(try status(f).0.status == 3)
        let shown = try drover(["models", "show", "churn:\(bad)", "--data-dir", f.dataDir])
        #expect(shown.stdout.contains("online_accuracy") && shown.stdout.contains("verdict: FAIL"), "\(shown.stdout)")
        // The decision is in the model's history as a serving event (and so on the event stream).
        #expect(shown.stdout.contains("rollout_rolled_back") && shown.stdout.contains("worse"), "\(shown.stdout)")
        // The server dropped the challenger: every key gets the champion now.
        var arms = Set<String>()
        for i in 0..<100 { arms.insert(try Self.predict(http, rows[i].json, key: "after-\(i)").arm) }
        #expect(arms == ["champion"])
        #expect(try drover(["models", "show", "churn@champion", "--data-dir", f.dataDir]).stdout.contains("churn version \(good)"))
    }

    @Test("a better challenger with --auto-promote becomes the champion; the server follows")
    func betterChallengerPromoted() async throws {
        let (f, good, _) = try await setUp(championBad: true)
        let (server, http) = try f.serve()
        defer { server.stop() }
        let rows = try ServeFixture.rows(limit: 2_000)
        try start(f, http, rows, ["--challenger", String(good), "--split", "50", "--auto-promote"])
        try trafficUntilDecided(f, http, rows)
        let deadline = ContinuousClock.now + .seconds(30)
        var version = 0
        while ContinuousClock.now < deadline, version != good {
            version = try Self.predict(http, rows[0].json, key: "after").version
            if version != good { usleep(50_000) }
        }
        #expect(version == good)
        let (_, json) = try status(f)
        #expect((json["rollout"] as? [String: Any])?["status"] as? String == "promoted", "\(json)")
        let shown = try drover(["models", "show", "churn@champion", "--data-dir", f.dataDir])
        #expect(shown.stdout.contains("churn version \(good)") && shown.stdout.contains("verdict: PASS"), "\(shown.stdout)")
    }

    @Test("shadow: the champion answers every request; the shadow scores them off the response path")
    func shadow() async throws {
        let (f, good, bad) = try await setUp(championBad: false)
        let (server, http) = try f.serve()
        defer { server.stop() }
        let rows = try ServeFixture.rows(limit: 300)
        let r = try drover(["rollout", "churn", "--shadow", String(bad), "--data-dir", f.dataDir])
        #expect(r.status == 0 && r.stdout.contains("shadows"), "\(r.stderr)")
        // Wait until the server runs the rollout (its description names it), then send traffic.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, (try http.get("/v1/models/churn").json?["rollout"] as? [String: Any]) == nil { usleep(20_000) }
        var arms = Set<String>()
        for (i, row) in rows.enumerated() {
            let a = try Self.predict(http, row.json, key: "user-\(i)")
            arms.insert("\(a.arm)/\(a.version)")
        }
        #expect(arms == ["champion/\(good)"])
        // Outcomes: a repeat changes nothing, an unknown request id is kept for a later join, a null label is refused.
        let answer = try Self.predict(http, rows[0].json, key: "outcome")
        let once = #"{"outcomes":[{"request_id":"\#(answer.requestID)","label":"yes"},{"request_id":"never-seen","label":"no"}]}"#
        #expect(try http.post("/v1/models/churn/outcomes", json: once).json?["accepted"] as? Int == 2)
        let again = try http.post("/v1/models/churn/outcomes", json: once).json
        #expect(again?["duplicates"] as? Int == 2 && again?["accepted"] as? Int == 0)
        #expect(try http.post("/v1/models/churn/outcomes", json: #"{"outcomes":[{"request_id":"x","label":null}]}"#).status == 400)
        var shadowed = 0
        while ContinuousClock.now < deadline, shadowed < rows.count + 1 {
            let arms = ((try status(f).1["judgement"] as? [String: Any])?["arms"] as? [[String: Any]]) ?? []
            shadowed = arms.first { $0["arm"] as? String == "shadow" }?["requests"] as? Int ?? 0
            if shadowed < rows.count + 1 { usleep(50_000) }
        }
        #expect(shadowed == rows.count + 1)
    }

    @Test("bad rollout input: both modes, no champion, unknown version, bad split → exit 2")
    func badInput() async throws {
        let (f, good, bad) = try await setUp(championBad: false)
        #expect(try drover(["rollout", "churn", "--challenger", "2", "--shadow", "2", "--data-dir", f.dataDir]).status == 2)
        #expect(try drover(["rollout", "churn", "--challenger", "9", "--data-dir", f.dataDir]).status == 2)
        #expect(try drover(["rollout", "churn", "--challenger", String(bad), "--split", "100", "--data-dir", f.dataDir]).status == 2)
        #expect(try drover(["rollout", "churn", "--challenger", String(good), "--data-dir", f.dataDir]).status == 2)
        #expect(try drover(["rollout", "status", "churn", "--data-dir", f.dataDir]).status == 2)
        let help = try drover(["rollout", "--help"])
        #expect(help.stdout.contains("drover rollout churn --challenger 8 --split 10"))
    }

    @Test("a challenger whose signature does not take the request fails on its arm; the user gets the champion's answer, one row or many")
    func failingChallengerFallsBackToTheChampion() async throws {
        let f = try ServeFixture()
        let span = ServeFixture.examples.appendingPathComponent("span-1.csv").path
        let champion = try await f.register(try f.train("gbdt", csv: span, extra: ["--trees", "10"]))
        // The challenger never saw `region`: a request that sends it is refused by its signature.
        let lines = try String(contentsOfFile: span, encoding: .utf8).split(separator: "\n")
        let noRegion = f.dir.appendingPathComponent("no-region.csv").path
        try lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != 4 }.map(\.element)
            .joined(separator: ",") }.joined(separator: "\n").appending("\n").write(toFile: noRegion, atomically: true, encoding: .utf8)
        let challenger = try await f.register(try f.train("no-region", csv: noRegion, extra: ["--trees", "10"]))
        try f.promote(champion)
        let (server, http) = try f.serve()
        defer { server.stop() }
        let rows = try ServeFixture.rows(limit: 40)
        let r = try drover(["rollout", "churn", "--challenger", String(challenger), "--split", "99", "--data-dir", f.dataDir])
        #expect(r.status == 0, "\(r.stderr)")

        func failures() throws -> Int {
            let line = try http.get("/metrics").text.split(separator: "\n")
                .first { $0.hasPrefix("drover_serve_challenger_failures_total{") && $0.contains(#"version="\#(challenger)""#) }
            return line.flatMap { Int(Double($0.split(separator: " ").last!) ?? 0) } ?? 0
        }
        // 99 % of keys (all of this test's) go to the challenger once the server has polled the rollout.
        var polled = false
        for _ in 0..<400 where !polled {
            _ = try RolloutCommandTests.predict(http, rows[0].json, key: "probe")
            polled = try failures() > 0
            if !polled { usleep(10_000) }
        }
        #expect(polled)
        let before = try failures()
        for (i, row) in rows.prefix(10).enumerated() {
            let a = try RolloutCommandTests.predict(http, row.json, key: "user-\(i)")
            #expect(a.arm == "champion" && a.version == champion, "\(a)")
        }
        // 40 rows: predicted from a task by the batch thread (above --inline-rows), with the same fallback.
        let many = try http.post("/v1/models/churn/predict", json: #"{"rows":[\#(rows.map(\.json).joined(separator: ","))],"key":"k"}"#)
        #expect(many.status == 200 && many.json?["arm"] as? String == "champion", "\(many.text)")
        #expect((many.json?["predictions"] as? [Any])?.count == 40)
        #expect(try failures() == before + 11, "sticky buckets: every key here is one of the challenger's 99 %")
    }
}
