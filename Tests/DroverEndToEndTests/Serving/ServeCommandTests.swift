import Foundation
import NativeThreads
import Synchronization
import Testing

/// `drover serve` as a real process on loopback: predictions, validation, metrics, and a hot swap
/// under load with no failed request.
@Suite("drover serve", .serialized)
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
