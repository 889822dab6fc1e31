import Foundation
import NativeThreads
import Synchronization
import Testing

/// `drover serve` as a real process on loopback: predictions, validation, metrics, and a hot swap
/// under load with no failed request.
@Suite("drover serve", .offPool, .serialized)
struct ServeCommandTests {
    @Test("serves the champion; refuses bad requests with a 400 naming the field; health, readiness and metrics")
    func servesAndValidates() async throws {
        let f = try ServeFixture()
        let gbdt = try f.train("gbdt", csv: ServeFixture.examples.appendingPathComponent("span-1.csv").path, extra: ["--trees", "20"])
        try f.promote(try await f.register(gbdt))
        let (server, http) = try f.serve()
        defer { server.stop() }
        let row = try ServeFixture.rows(limit: 2)
        let ok = try http.post("/v1/models/churn/predict", json: #"{"rows":[\#(row[0].json),\#(row[1].json)]}"#)
        #expect(ok.status == 200, "\(ok.text)")
        let predictions = ok.json?["predictions"] as? [[String: Any]]
        #expect(predictions?.count == 2)
        #expect(["yes", "no"].contains(predictions?.first?["prediction"] as? String ?? ""))
        #expect(ok.json?["version"] as? Int == 1 && ok.headers["x-drover-model-version"] == "1")
        #expect((ok.json?["request_id"] as? String)?.isEmpty == false)

        let missing = try http.post("/v1/models/churn/predict", json: #"{"rows":[{"tenure_months":3,"monthly_spend":9,"plan":"pro","region":"west"}]}"#)
        #expect(missing.status == 400 && missing.text.contains("missing field 'support_tickets'"), "\(missing.text)")
        let extra = try http.post("/v1/models/churn/predict", json: #"{"rows":[{"tenure_months":3,"monthly_spend":9,"support_tickets":1,"plan":"pro","region":"west","zip":7}]}"#)
        #expect(extra.status == 400 && extra.text.contains("'zip'") && extra.text.contains("plan (categorical)"), "\(extra.text)")
        let typed = try http.post("/v1/models/churn/predict", json: #"{"rows":[{"tenure_months":"long","monthly_spend":9,"support_tickets":1,"plan":"pro","region":"west"}]}"#)
        #expect(typed.status == 400 && typed.text.contains("rows[0].tenure_months is a string; it is numeric"), "\(typed.text)")
        #expect(try http.post("/v1/models/churn/predict", json: "{not json").status == 400)
        #expect(try http.post("/v1/models/nope/predict", json: #"{"rows":[]}"#).status == 404)
        let huge = try http.post("/v1/models/churn/predict", json: #"{"rows":[\#(String(repeating: row[0].json + ",", count: 12_000))\#(row[0].json)]}"#)
        #expect(huge.status == 413, "\(huge.status)")

        #expect(try http.get("/healthz").status == 200)
        #expect(try http.get("/readyz").status == 200)
        let info = try http.get("/v1/models/churn")
        #expect((info.json?["inputs"] as? [String: String])?["plan"] == "categorical")
        let metrics = try http.get("/metrics").text
        #expect(metrics.contains(#"drover_serve_requests_total{model="churn",version="1",arm="champion",status="2xx"}"#), "\(metrics)")
        #expect(metrics.contains("drover_serve_request_duration_seconds_bucket"))
        #expect(metrics.contains(#"drover_serve_refused_total{model="churn",code="invalid_input"}"#))
    }

    @Test("HTTP/1.1 on one connection: pipelined answers in order (one from a task), 100-continue, HEAD, 404/405, 413 closes, idle closes")
    func httpOnOneConnection() async throws {
        let f = try ServeFixture()
        try f.promote(try await f.register(try f.train("gbdt", csv: ServeFixture.examples.appendingPathComponent("span-1.csv").path,
                                                       extra: ["--trees", "5"])))
        let (server, http) = try f.serve(["--idle-timeout", "1"])
        defer { server.stop() }
        let row = try ServeFixture.rows(limit: 1)[0].json
        let predict = #"{"rows":[\#(row)]}"#
        func post(_ path: String, _ body: String, _ extra: String = "") -> String {
            "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
        }
        func statuses(_ text: String) -> [Int] {
            text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
        }

        // Three requests in one write; the second (drift) is answered from a task, after the first
        // and before the third, which closes the connection.
        let pipelined = try http.connection()
        try pipelined.send(post("/v1/models/churn/predict", predict, "X-Request-ID: first\r\n")
                           + "GET /v1/models/churn/drift HTTP/1.1\r\nHost: x\r\n\r\n"
                           + post("/v1/models/churn/predict", predict, "X-Request-ID: third\r\nConnection: close\r\n"))
        let answers = pipelined.read(seconds: 20) { _ in false }
        #expect(pipelined.closed)
        #expect(statuses(answers) == [200, 404, 200], "\(answers)")
        let first = answers.range(of: "first"), noReference = answers.range(of: "no_reference"), third = answers.range(of: "third")
        #expect(first != nil && noReference != nil && third != nil && first!.lowerBound < noReference!.lowerBound
                && noReference!.lowerBound < third!.lowerBound, "\(answers)")

        // Expect: 100-continue gets its interim answer before the body is sent.
        let expecting = try http.connection()
        try expecting.send("POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Length: \(predict.utf8.count)\r\n"
                           + "Expect: 100-continue\r\nConnection: close\r\n\r\n")
        let interim = expecting.read(seconds: 10) { $0.contains("\r\n\r\n") }
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "\(interim)")
        try expecting.send(predict)
        #expect(statuses(expecting.read(seconds: 20) { _ in false }) == [100, 200])

        // HEAD answers the headers only; an unknown route is 404, a known one with another method 405.
        let probes = try http.connection()
        try probes.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "PUT /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let probed = probes.read(seconds: 20) { _ in false }
        #expect(statuses(probed) == [200, 404, 405], "\(probed)")
        #expect(!probed.contains("ok\n") && probed.contains("Content-Length: 3") && probed.contains("takes POST, not PUT"), "\(probed)")

        // A body announced above --max-body-bytes is refused at once and the connection closed.
        let huge = try http.connection()
        try huge.send("POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n{\"rows\":[")
        let refused = huge.read(seconds: 20) { _ in false }
        #expect(huge.closed && statuses(refused) == [413] && refused.contains("50000000 bytes"), "\(refused)")

        // A connection that sends nothing is closed after --idle-timeout (1 s); one that asks is answered first.
        let idle = try http.connection(), asking = try http.connection()
        try asking.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(asking.read(seconds: 10) { $0.contains("ok\n") }.hasPrefix("HTTP/1.1 200"))
        _ = idle.read(seconds: 15) { _ in false }
        _ = asking.read(seconds: 15) { _ in false }
        #expect(idle.closed && asking.closed)
    }

    @Test("a non-loopback address needs --insecure (exit 2); an unknown model is exit 2")
    func bindRuleAndUnknownModel() throws {
        let f = try ServeFixture()
        let exposed = try drover(["serve", "churn", "--http", "0.0.0.0:0", "--data-dir", f.dataDir])
        #expect(exposed.status == 2 && exposed.stderr.contains("--insecure"), "\(exposed.stderr)")
        let unknown = try drover(["serve", "churn", "--http", "127.0.0.1:0", "--data-dir", f.dataDir])
        #expect(unknown.status == 2 && unknown.stderr.contains("no model named 'churn'"), "\(unknown.stderr)")
    }

    @Test("the champion alias moves while clients hammer the endpoint: the new version answers, no request fails")
    func hotSwapUnderLoad() async throws {
        let f = try ServeFixture()
        let span = ServeFixture.examples.appendingPathComponent("span-1.csv").path
        let v1 = try await f.register(try f.train("gbdt", csv: span, extra: ["--trees", "20"]))
        let v2 = try await f.register(try f.train("logistic", csv: span, extra: ["--model", "logistic"]))
        try f.promote(v1)
        let (server, http) = try f.serve()
        defer { server.stop() }
        let rows = try ServeFixture.rows(limit: 200)

        let load = Load()
        var threads: [NativeThread] = []
        for t in 0..<4 {
            threads.append(try NativeThread.start {
                var i = t
                while !load.stop.load(ordering: .relaxed) {
                    i += 4
                    let reply = try? http.post("/v1/models/churn/predict", json: #"{"rows":[\#(rows[i % rows.count].json)]}"#)
                    load.tally.withLock { s in
                        if let reply, reply.status == 200, let v = reply.json?["version"] as? Int {
                            s.ok += 1
                            s.versions[v, default: 0] += 1
                        } else {
                            s.failed.append(reply.map { "\($0.status) \($0.text)" } ?? "no answer")
                        }
                    }
                }
            })
        }
        try load.waitFor("load on version 1") { $0.versions[v1, default: 0] >= 100 }
        try f.promote(v2)
        try load.waitFor("version 2 answering") { $0.versions[v2, default: 0] >= 100 }
        load.stop.store(true, ordering: .relaxed)
        for t in threads { t.join() }
        let (ok, failed, versions) = load.tally.withLock { ($0.ok, $0.failed, $0.versions) }
        #expect(failed.isEmpty, "\(failed.count) failed requests, first: \(failed.first ?? "")")
        #expect(ok >= 200 && versions[v1, default: 0] >= 100 && versions[v2, default: 0] >= 100)
        let metrics = try http.get("/metrics").text
        #expect(metrics.contains(#"drover_serve_swaps_total{model="churn"} 1"#), "\(metrics)")
    }
}

/// What the load threads saw, shared with the test.
final class Load: Sendable {
    struct Tally: Sendable { var ok = 0; var failed: [String] = []; var versions: [Int: Int] = [:] }
    let tally = Mutex(Tally())
    let stop = Atomic<Bool>(false)

    /// Waits (bounded) until the tally satisfies `condition`.
    func waitFor(_ what: String, seconds: Int = 60, _ condition: (Tally) -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if tally.withLock({ condition($0) }) { return }
            usleep(10_000)
        }
        throw TestFailure("timed out waiting for \(what)")
    }
}

/// Drift of live inputs against the training data, over a window of the latest rows.
@Suite("drover serve --reference", .offPool)
struct ServeDriftTests {
    static func send(_ http: HTTPProbe, file: String, count: Int) throws {
        let text = try String(contentsOf: ServeFixture.examples.appendingPathComponent(file), encoding: .utf8)
        for line in text.split(separator: "\n").dropFirst().prefix(count) {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let row = #"{"tenure_months":\#(f[0]),"monthly_spend":\#(f[1]),"support_tickets":\#(f[2]),"plan":"\#(f[3])","region":"\#(f[4])"}"#
            let r = try http.post("/v1/models/churn/predict", json: #"{"rows":[\#(row)]}"#)
            guard r.status == 200 else { throw TestFailure("predict failed: \(r.text)") }
        }
    }

    static func drifted(_ http: HTTPProbe) throws -> (Set<String>, Int) {
        let r = try http.get("/v1/models/churn/drift")
        let drift = r.json?["drift"] as? [String: Any]
        let columns = (drift?["columns"] as? [[String: Any]]) ?? []
        return (Set(columns.filter { $0["drifted"] as? Bool == true }.compactMap { $0["column"] as? String }), r.json?["windowRows"] as? Int ?? -1)
    }

    @Test("live inputs like the training data show no drift; a drifted stream is flagged per column, in the window")
    func driftWindow() async throws {
        let f = try ServeFixture()
        let span = ServeFixture.examples.appendingPathComponent("span-1.csv").path
        try f.promote(try await f.register(try f.train("gbdt", csv: span, extra: ["--trees", "10"])))
        let (server, http) = try f.serve(["--reference", span, "--drift-window", "300"])
        defer { server.stop() }
        try Self.send(http, file: "span-2.csv", count: 300)
        let (calm, rows) = try Self.drifted(http)
        #expect(rows == 300)
        #expect(!calm.contains("monthly_spend") && !calm.contains("tenure_months"), "\(calm)")
        try Self.send(http, file: "span-drifted.csv", count: 300)
        let (drifted, window) = try Self.drifted(http)
        #expect(window == 300) // only the latest rows
        #expect(drifted.contains("monthly_spend") && drifted.contains("tenure_months"), "\(drifted)")
        let metrics = try http.get("/metrics").text
        #expect(metrics.contains(#"drover_serve_input_drifted{model="churn",column="monthly_spend""#), "\(metrics)")
    }
}

/// A promoted champion that rejects what clients send is rolled back by `drover serve` itself.
@Suite("drover serve champion guard", .offPool)
struct ChampionGuardTests {
    @Test("the alias moves to a version whose signature no longer matches the requests: serve rolls it back")
    func degradedChampionRolledBack() async throws {
        let f = try ServeFixture()
        let span = ServeFixture.examples.appendingPathComponent("span-1.csv").path
        let v1 = try await f.register(try f.train("gbdt", csv: span, extra: ["--trees", "10"]))
        // Version 2 was trained with one more input column, which today's clients do not send.
        let text = try String(contentsOf: URL(fileURLWithPath: span), encoding: .utf8)
        let widened = text.split(separator: "\n").enumerated().map { i, line in (i == 0 ? "segment," : "\(i % 3),") + line }
        let wide = f.dir.appendingPathComponent("wide.csv").path
        try (widened.joined(separator: "\n") + "\n").write(toFile: wide, atomically: true, encoding: .utf8)
        let v2 = try await f.register(try f.train("wide", csv: wide, extra: ["--trees", "10"]))
        try f.promote(v1)
        let (server, http) = try f.serve()
        defer { server.stop() }
        // The rollback is announced: a coordinator on the same data directory streams it on
        // /api/v1/events and POSTs it to a webhook subscribed to `rollout`.
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let receiver = try HookReceiver(statuses: [200])
        #expect(try drover(["webhooks", "add", "http://127.0.0.1:\(receiver.port)/hook", "--events", "rollout",
                            "--secret", "0123456789abcdef-secret", "--data-dir", f.dataDir]).status == 0)
        let up = try DroverProcess(["up", "--workers", "1", "--bind", cluster.endpoint, "--data-dir", f.dataDir,
                                    "--http", "127.0.0.1:\(cluster.port + 3)", "--log-level", "warning"], name: "up", in: cluster.dir)
        defer { up.stop() }
        let token = try drover(["tokens", "create", "--role", "read", "--name", "watch", "--data-dir", f.dataDir, "--json"])
        let sse = HTTPProbe(port: cluster.port + 3, token: (try JSONSerialization.jsonObject(with: Data(token.stdout.utf8)) as? [String: Any])?["token"] as? String)
        try sse.waitUntilUp()
        let events = try sse.open("/api/v1/events")
        #expect(events.read(seconds: 10) { $0.contains(": drover events") }.contains(": drover events"))
        let row = try ServeFixture.rows(limit: 1)[0].json
        func send(_ n: Int) throws -> (ok: Int, failed: Int, versions: Set<Int>) {
            var ok = 0, failed = 0
            var versions = Set<Int>()
            for _ in 0..<n {
                let r = try http.post("/v1/models/churn/predict", json: #"{"rows":[\#(row)]}"#)
                if r.status == 200 { ok += 1; versions.insert(r.json?["version"] as? Int ?? 0) } else {
                    failed += 1
                    #expect(r.text.contains("missing field 'segment'"), "\(r.text)")
                }
            }
            return (ok, failed, versions)
        }
        #expect(try send(30).failed == 0)
        try f.promote(v2)
        // Requests fail once the server follows the move; after 20 the guard rolls back.
        var sawFailure = false, rolledBack = false
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !rolledBack {
            let r = try send(10)
            sawFailure = sawFailure || r.failed > 0
            rolledBack = sawFailure && r.failed == 0 && r.versions == [v1]
        }
        #expect(sawFailure && rolledBack)
        let shown = try drover(["models", "show", "churn@champion", "--data-dir", f.dataDir])
        #expect(shown.stdout.contains("churn version \(v1)") && shown.stdout.contains("champion guard"), "\(shown.stdout)")
        #expect(shown.stdout.contains("rollback"))
        #expect(shown.stdout.contains("serving events") && shown.stdout.contains("champion_rollback"), "\(shown.stdout)")
        let streamed = events.read(seconds: 30) { $0.contains("champion_rollback") }
        #expect(streamed.contains("event: rollout") && streamed.contains("champion_rollback"), "\(streamed)")
        let deadline2 = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline2, receiver.received.isEmpty { usleep(50_000) }
        let hook = try #require(receiver.received.first)
        #expect(hook.headers["x-drover-event"] == "rollout")
        let data = (try JSONSerialization.jsonObject(with: hook.body) as? [String: Any])?["data"] as? [String: Any]
        #expect(data?["kind"] as? String == "champion_rollback" && data?["version"] as? Int == v2 && data?["toVersion"] as? Int == v1, "\(String(decoding: hook.body, as: UTF8.self))")
    }
}
