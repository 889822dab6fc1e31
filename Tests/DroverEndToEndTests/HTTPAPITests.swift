import Crypto
import DroverCore
import DroverStore
import Foundation
import Testing

/// The HTTP API of a real `drover up`: real sockets, the real token store, the real coordinator.
@Suite("HTTP API end to end", .offPool, .serialized)
struct HTTPAPITests {
    /// A coordinator with one local worker over a store holding two model versions; the API
    /// on the artifact port (P+2) and on `--http` (P+3).
    struct Fixture {
        let cluster: TestCluster
        let process: DroverProcess
        var api: HTTPProbe { HTTPProbe(port: cluster.port + 2) }

        init() async throws {
            cluster = try TestCluster()
            try FileManager.default.createDirectory(atPath: cluster.dataDir, withIntermediateDirectories: true)
            try await Self.populate(cluster.dataDir)
            process = try DroverProcess(["up", "--workers", "1", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                         "--http", "127.0.0.1:\(cluster.port + 3)", "--log-level", "info"], name: "up", in: cluster.dir)
            do {
                try api.waitUntilUp()
            } catch {
                throw TestFailure("\(error); drover up said: \(process.output)")
            }
        }

        /// Two runs and two versions of `diamonds`: v1 promoted by a passing verdict, v2 rejected.
        static func populate(_ dir: String) async throws {
            let store = try MetadataStore(dataDirectory: dir)
            let registry = ModelRegistry(store: store)
            for (run, start) in [("r1", 1_000.0), ("r2", 2_000.0)] {
                await store.record(.run(RunRecord(id: run, pipeline: "diamonds", status: "succeeded", startedAt: start, finishedAt: start + 5)))
                await store.record(.step(StepRecord(runID: run, name: "train", kind: "train", status: "succeeded", startedAt: start, finishedAt: start + 4)))
                await store.record(.metric(runID: run, MetricPoint(key: "rmse", value: run == "r1" ? 10 : 12, timestamp: start + 4)))
            }
            try await store.flush()
            let policy = PromotionPolicy(thresholds: [MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 100),
                                                                      change: .notWorse(.lowerIsBetter))])
            let v1 = try await registry.registerVersion(model: "diamonds", artifactDigest: "sha256:" + String(repeating: "a", count: 64),
                                                        metrics: ["rmse": 10], runID: "r1")
            _ = try await registry.promote(PromotionRequest(model: "diamonds", version: 1, verdict: try VerdictEvaluator.evaluate(
                policy: policy, candidate: v1.metrics, baseline: nil), runID: "r1", actor: "pipeline"))
            let v2 = try await registry.registerVersion(model: "diamonds", artifactDigest: "sha256:" + String(repeating: "b", count: 64),
                                                        metrics: ["rmse": 12], runID: "r2")
            _ = try await registry.promote(PromotionRequest(model: "diamonds", version: 2, verdict: try VerdictEvaluator.evaluate(
                policy: policy, candidate: v2.metrics, baseline: v1.metrics), baselineVersion: 1, runID: "r2", actor: "pipeline"))
            store.close()
        }

        func token(_ role: String, name: String) throws -> String {
            let r = try drover(["tokens", "create", "--role", role, "--name", name, "--data-dir", cluster.dataDir, "--json"])
            guard r.status == 0, let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                  let token = obj["token"] as? String else { throw TestFailure("tokens create: \(r.stderr)") }
            return token
        }

        func stop() {
            process.stop()
            cluster.cleanUp()
        }
    }

    @Test("no token, an unknown one, a revoked one → 401; a read token cannot act (403); errors are JSON")
    func authRefusals() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        var api = f.api
        let missing = try api.get("/api/v1/cluster")
        #expect(missing.status == 401 && missing.errorCode == "unauthorized", "\(missing.text)")
        #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        api.token = "drv_00000000_nope"
        #expect(try api.get("/api/v1/cluster").status == 401)

        api.token = try f.token("read", name: "reader")
        let cluster = try api.get("/api/v1/cluster")
        #expect(cluster.status == 200, "\(cluster.text)")
        #expect(((cluster.json?["status"] as? [String: Any])?["workers"] as? [String: Any]) != nil)
        let promote = try api.post("/api/v1/models/diamonds/promote", json: #"{"version": 2, "reason": "x"}"#)
        #expect(promote.status == 403 && promote.errorCode == "forbidden", "\(promote.text)")
        #expect(try api.get("/api/v1/tokens").status == 403)

        let listed = try drover(["tokens", "list", "--data-dir", f.cluster.dataDir])
        #expect(listed.status == 0 && listed.stdout.contains("reader") && !listed.stdout.contains(api.token!))
        #expect(try drover(["tokens", "revoke", "reader", "--data-dir", f.cluster.dataDir]).status == 0)
        let revoked = try api.get("/api/v1/cluster")
        #expect(revoked.status == 401 && revoked.errorCode == "token_revoked", "\(revoked.text)")
        #expect(try drover(["tokens", "revoke", "nobody", "--data-dir", f.cluster.dataDir]).status == 2)
    }

    @Test("bad input: unknown route 404, bad JSON 400, oversized body 413, bad cursor 400 — all JSON")
    func badInput() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        var api = f.api
        api.token = try f.token("operator", name: "op")
        let unknown = try api.get("/api/v1/nothing-here")
        #expect(unknown.status == 404 && unknown.errorCode == "not_found", "\(unknown.text)")
        let badJSON = try api.post("/api/v1/models/diamonds/promote", json: "{version: 2")
        #expect(badJSON.status == 400 && badJSON.text.contains("malformed JSON"), "\(badJSON.text)")
        let missingField = try api.post("/api/v1/models/diamonds/promote", json: "{}")
        #expect(missingField.status == 400 && missingField.text.contains("version"), "\(missingField.text)")
        let huge = try api.post("/api/v1/runs", json: "{\"yaml\": \"" + String(repeating: "x", count: 2 << 20) + "\"}")
        #expect(huge.status == 413 && huge.errorCode == "too_large", "\(huge.text)")
        #expect(try api.get("/api/v1/jobs?cursor=abc").status == 400)
        #expect(try api.get("/api/v1/jobs?limit=0").status == 400)
        #expect(try api.get("/api/v1/jobs/999999").status == 404)
        #expect(try api.get("/api/v1/models/nope").status == 404)
    }

    @Test("jobs page with a cursor, filter by state and kind; one job has its transitions; ETag gives 304")
    func jobsAndETags() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        var api = f.api
        api.token = try f.token("read", name: "reader")
        let submitted = try f.cluster.run(["submit", "--kind", "sleep", "--param", "ms=1", "--count", "5", "--wait"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(try f.cluster.run(["submit", "--kind", "noop", "--wait"]).status == 0)

        let first = try api.get("/api/v1/jobs?limit=2&kind=sleep")
        let items = first.json?["items"] as? [[String: Any]] ?? []
        #expect(items.count == 2 && items.allSatisfy { $0["kind"] as? String == "sleep" }, "\(first.text)")
        let next = try #require(first.json?["next"] as? String)
        let second = try api.get("/api/v1/jobs?limit=2&kind=sleep&cursor=\(next)")
        let ids = (items + (second.json?["items"] as? [[String: Any]] ?? [])).compactMap { $0["id"] as? Int }
        #expect(ids.count == 4 && ids == ids.sorted(by: >) && Set(ids).count == 4, "\(ids)")
        let all = try api.get("/api/v1/jobs?state=succeeded&limit=100")
        #expect((all.json?["items"] as? [Any])?.count == 6 && all.json?["next"] is NSNull, "\(all.text)")

        let job = try api.get("/api/v1/jobs/\(ids[0])")
        let history = job.json?["history"] as? [[String: Any]] ?? []
        #expect(history.map { $0["state"] as? String } .last == "succeeded" && history.count >= 3, "\(job.text)")

        let tag = try #require(job.headers["etag"])
        let again = try api.get("/api/v1/jobs/\(ids[0])", headers: ["If-None-Match": tag])
        #expect(again.status == 304 && again.body.isEmpty)
        let models = try api.get("/api/v1/models/diamonds")
        #expect(models.status == 200 && (models.json?["metricHistory"] as? [String: Any])?["rmse"] != nil, "\(models.text)")
        #expect(try api.get("/api/v1/runs").json?["items"] as? [Any] != nil)
        #expect(try api.get("/api/v1/runs/r1").status == 200)
        let csv = f.cluster.dir.appendingPathComponent("span.csv").path
        try "carat,price\n0.3,400\n0.5,900\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let added = try f.cluster.run(["data", "add", "diamonds", csv, "--data-dir", f.cluster.dataDir])
        #expect(added.status == 0, "\(added.stderr)")
        let dataset = try api.get("/api/v1/datasets/diamonds")
        #expect(dataset.status == 200 && dataset.text.contains("\"rows\":2"), "\(dataset.text)")
    }

    @Test("an operator promotes and rolls back through the API; the moves and the audit name the token")
    func actionsAreAudited() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        var api = f.api
        api.token = try f.token("operator", name: "ci")
        let refused = try api.post("/api/v1/models/diamonds/promote", json: #"{"version": 2}"#)
        #expect(refused.status == 422 && refused.text.contains("--reason"), "\(refused.text)")
        let promoted = try api.post("/api/v1/models/diamonds/promote", json: #"{"version": 2, "reason": "hotfix from CI"}"#)
        #expect(promoted.status == 200 && promoted.text.contains("\"forced\""), "\(promoted.text)")
        let back = try api.post("/api/v1/models/diamonds/rollback", json: #"{"reason": "bad"}"#)
        #expect(back.status == 200 && back.text.contains("\"toVersion\":1"), "\(back.text)")
        let shown = try drover(["models", "show", "diamonds@champion", "--data-dir", f.cluster.dataDir])
        #expect(shown.stdout.contains("token:ci"), "\(shown.stdout)")
        var admin = f.api
        admin.token = try f.token("admin", name: "root")
        let audit = try admin.get("/api/v1/audit")
        let actions = (audit.json?["items"] as? [[String: Any]] ?? []).map { "\($0["action"]!) \($0["outcome"]!) \($0["actor"]!)" }
        #expect(actions.count == 3 && actions[1].hasPrefix("promote ok token:ci") && actions[2].hasPrefix("rollback ok"), "\(actions)")
    }

    @Test("events: job and promotion events with ids; Last-Event-ID replays what came after")
    func eventsResume() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        var api = f.api
        api.token = try f.token("operator", name: "op")
        let sse = HTTPProbe(port: f.cluster.port + 3, token: api.token) // the --http server: same API
        // Subscribe (the stream's preamble says it is open), then act: the stream shows the job and the promotion.
        let stream = try sse.open("/api/v1/events")
        #expect(stream.read(seconds: 10) { $0.contains(": drover events") }.contains(": drover events"))
        #expect(try f.cluster.run(["submit", "--kind", "noop", "--wait"]).status == 0)
        #expect(try api.post("/api/v1/models/diamonds/promote", json: #"{"version": 2, "reason": "go"}"#).status == 200)
        let text = stream.read(seconds: 30) { $0.contains("event: promotion") }
        #expect(text.contains("event: promotion") && text.contains("event: job"), "\(text)")
        let ids = Self.eventIDs(text)
        let first = try #require(ids.first)
        // Reconnect from the first id: everything after it comes again, in order.
        let replay = try sse.stream("/api/v1/events", headers: ["Last-Event-ID": String(first)], seconds: 10) { $0.contains("event: promotion") }
        let replayed = Self.eventIDs(replay)
        #expect(replayed.first == ids.dropFirst().first && replay.contains("event: promotion"), "\(replay)")
        // An id from before this coordinator started cannot be resumed: a reset says so.
        let stale = try sse.stream("/api/v1/events", headers: ["Last-Event-ID": "1"], seconds: 10) { $0.contains("event: reset") }
        #expect(stale.contains("event: reset"), "\(stale)")
    }

    @Test("per-job events: every transition of every job from the journal, none sampled, with kind and worker; ?types filters")
    func everyJobTransition() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        var api = f.api
        api.token = try f.token("read", name: "watcher")
        #expect(try api.get("/api/v1/events?types=job,bogus").status == 400)
        let jobs = try api.open("/api/v1/events?types=job")
        let others = try api.open("/api/v1/events?types=run,promotion")
        #expect(jobs.read(seconds: 10) { $0.contains(": drover events") }.contains(": drover events"))
        #expect(others.read(seconds: 10) { $0.contains(": drover events") }.contains(": drover events"))
        let n = 2_000
        let submit = try f.cluster.run(["submit", "--kind", "noop", "--count", "\(n)", "--wait"])
        #expect(submit.status == 0, "\(submit.stderr)")
        let text = jobs.read(seconds: 60) { $0.components(separatedBy: #""state":"succeeded""#).count > n }
        let events = Self.jobEvents(text)
        var states: [Int: [String]] = [:]
        for (_, e) in events { states[e["id"] as? Int ?? -1, default: []].append(e["state"] as? String ?? "?") }
        #expect(states.count == n, "\(states.count) jobs seen")
        #expect(states.values.allSatisfy { $0 == ["queued", "assigned", "succeeded"] }, "\(states.values.first { $0 != ["queued", "assigned", "succeeded"] } ?? [])")
        #expect(events.allSatisfy { $0.1["kind"] as? String == "noop" && $0.1["at"] is Int })
        #expect(events.filter { $0.1["state"] as? String == "assigned" }.allSatisfy { $0.1["worker"] is String && $0.1["attempt"] as? Int == 1 })
        let ids = events.map(\.0)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "event ids must grow")
        // The subscriber that asked for other types got none of them: the promotion that follows
        // every job event is the first thing it sees.
        var op = f.api
        op.token = try f.token("operator", name: "op")
        #expect(try op.post("/api/v1/models/diamonds/promote", json: #"{"version": 2, "reason": "go"}"#).status == 200)
        let rest = others.read(seconds: 30) { $0.contains("event: promotion") }
        #expect(rest.contains("event: promotion") && !rest.contains("event: job"), "\(rest.prefix(300))")
    }

    /// The `job` events of a raw stream: (event id, the JSON object). Each batch is one HTTP chunk
    /// of whole frames, so chunk-size lines fall between frames.
    static func jobEvents(_ raw: String) -> [(UInt64, [String: Any])] {
        var out: [(UInt64, [String: Any])] = []
        var id: UInt64?, type = ""
        for line in raw.unicodeScalars.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map({ String(String.UnicodeScalarView($0)) }) {
            if line.hasPrefix("id: ") { id = UInt64(line.dropFirst(4)) }
            else if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
            else if line.hasPrefix("data: "), type == "job", let id,
                    let obj = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any] {
                out.append((id, obj))
            }
        }
        return out
    }

    /// The `id:` lines of a raw event stream (chunked: "\r\n" is one Character, so split on scalars).
    static func eventIDs(_ raw: String) -> [UInt64] {
        raw.unicodeScalars.split { $0 == "\n" || $0 == "\r" }.map { String(String.UnicodeScalarView($0)) }
            .filter { $0.hasPrefix("id: ") }.compactMap { UInt64($0.dropFirst(4)) }
    }

    @Test("every route of the OpenAPI document exists and answers a documented status; secured ones refuse no token")
    func openAPIConformance() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        #expect(try f.cluster.run(["submit", "--kind", "noop", "--wait"]).status == 0)
        var api = f.api
        api.token = try f.token("admin", name: "root")
        let doc = try #require(try api.get("/api/v1/openapi.json").json)
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        #expect(paths.count >= 18)
        for (template, operations) in paths {
            let path = template.replacingOccurrences(of: "{id}", with: template.hasPrefix("/api/v1/runs") ? "r1" : "1")
                .replacingOccurrences(of: "{version}", with: "1").replacingOccurrences(of: "{name}", with: "diamonds")
            for (method, operation) in operations {
                let op = try #require(operation as? [String: Any])
                let documented = Set(((op["responses"] as? [String: Any]) ?? [:]).keys.compactMap(Int.init))
                let secured = !((op["security"] as? [Any])?.isEmpty ?? true)
                if path.hasSuffix("/events") {
                    let text = try HTTPProbe(port: api.port, token: api.token).stream(path, seconds: 5) { $0.contains("drover events") }
                    #expect(text.contains("200") && text.contains("text/event-stream"), "\(path)")
                    continue
                }
                let reply = method == "post" ? try api.post(path, json: "{}") : try api.get(path)
                #expect(documented.contains(reply.status), "\(method) \(path): \(reply.status) not in \(documented): \(reply.text)")
                if secured {
                    let anonymous = method == "post" ? try f.api.post(path, json: "{}") : try f.api.get(path)
                    #expect(anonymous.status == 401, "\(method) \(path) without a token: \(anonymous.status)")
                }
            }
        }
    }

    @Test("/metrics is Prometheus text with job latency histograms; the dashboard has a strict CSP")
    func metricsAndDashboard() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        #expect(try f.cluster.run(["submit", "--kind", "noop", "--wait"]).status == 0)
        let metrics = try f.api.get("/metrics")
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains("drover_jobs{state=\"succeeded\"} 1"), "\(metrics.text)")
        #expect(metrics.text.contains("drover_workers_alive 1") && metrics.text.contains("# TYPE drover_jobs gauge"))
        #expect(metrics.text.contains("drover_model_champion_version{model=\"diamonds\"} 1"))
        // Latency histograms counted by the coordinator: the no-op job waited and ran once.
        #expect(metrics.text.contains("# TYPE drover_job_queue_wait_seconds histogram") && metrics.text.contains("drover_job_queue_wait_seconds_count 1\n"))
        #expect(metrics.text.contains("drover_job_run_seconds_bucket{le=\"+Inf\"} 1\n") && metrics.text.contains("drover_job_run_seconds_count 1\n"))
        let page = try HTTPProbe(port: f.cluster.port + 3).get("/")
        #expect(page.status == 200 && page.text.contains("/ui/app.js"))
        #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
    }
}

@Suite("Webhooks end to end", .offPool, .serialized)
struct WebhookTests {
    @Test("a promotion is POSTed signed (HMAC-SHA256); a 500 is retried with backoff; every attempt is logged")
    func signedRetriedLogged() async throws {
        let f = try await HTTPAPITests.Fixture()
        defer { f.stop() }
        let receiver = try HookReceiver(statuses: [500, 200])
        let secret = "0123456789abcdef-secret"
        let add = try drover(["webhooks", "add", "http://127.0.0.1:\(receiver.port)/hook", "--events", "promotion",
                              "--secret", secret, "--data-dir", f.cluster.dataDir])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try drover(["webhooks", "add", "https://x.example/hook", "--events", "promotion", "--secret", secret,
                            "--data-dir", f.cluster.dataDir]).status == 2)
        var api = f.api
        api.token = try f.token("operator", name: "ci")
        #expect(try api.post("/api/v1/models/diamonds/promote", json: #"{"version": 2, "reason": "ship"}"#).status == 200)

        var log: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, log.count < 2 {
            let r = try drover(["webhooks", "deliveries", "--json", "--data-dir", f.cluster.dataDir])
            log = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
            if log.count < 2 { usleep(100_000) }
        }
        let outcomes = log.reversed().map { "\($0["attempt"]!) \($0["status"] ?? "-") \($0["outcome"]!)" }
        #expect(outcomes.count == 2 && outcomes[0].hasPrefix("1 500 retrying") && outcomes[1] == "2 200 delivered", "\(outcomes)")
        let got = receiver.received
        #expect(got.count == 2)
        let body = try #require(got.last?.body)
        let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        #expect(got.last?.headers["x-drover-signature"] == expected)
        #expect(got.last?.headers["x-drover-event"] == "promotion")
        let event = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        let tokenID = try #require(api.token?.split(separator: "_").dropFirst().first)
        #expect((event?["data"] as? [String: Any])?["actor"] as? String == "token:ci (\(tokenID))")
    }
}
