import DroverProtocol
import DroverStore
import Foundation
import Hummingbird

/// `GET /api/v1/…`: every read the CLI can do, as JSON, behind a `read` token.
struct APIReadRoutes: Sendable {
    let backend: APIBackend

    func register(on router: Router<BasicRequestContext>) {
        get(router, "/api/v1/cluster") { r, _ in
            let b = backend
            async let status = b.link.query(StatusQuery())
            async let workers = b.link.query(WorkersQuery())
            return try JSONReply.ok(ClusterView(status: try await status, workers: try await workers), for: r)
        }
        get(router, "/api/v1/workers") { r, _ in try JSONReply.ok(try await backend.link.query(WorkersQuery()), for: r) }
        get(router, "/api/v1/jobs") { r, _ in try await jobs(r) }
        get(router, "/api/v1/jobs/:id") { r, c in
            let id = try c.parameters.require("id", as: UInt64.self)
            return try JSONReply.ok(try await backend.link.query(JobQuery(id: id)), for: r)
        }
        get(router, "/api/v1/runs") { r, _ in try await runs(r) }
        get(router, "/api/v1/runs/:id") { r, c in try await run(try c.parameters.require("id"), r) }
        get(router, "/api/v1/models") { r, _ in try JSONReply.ok(Page(items: try await backend.registry.models(), next: nil), for: r) }
        get(router, "/api/v1/models/:name") { r, c in try await model(try c.parameters.require("name"), r) }
        get(router, "/api/v1/models/:name/versions/:version") { r, c in
            let name = try c.parameters.require("name"), version = try c.parameters.require("version", as: Int.self)
            let v = try await backend.registry.version(model: name, version)
            return try JSONReply.ok(VersionView(version: v, verdicts: try await backend.registry.verdicts(model: name, version: version)), for: r)
        }
        get(router, "/api/v1/datasets") { r, _ in try JSONReply.ok(Page(items: try await backend.metadata.datasets(), next: nil), for: r) }
        get(router, "/api/v1/datasets/:name") { r, c in
            let name = try c.parameters.require("name")
            let spans = try await backend.metadata.spans(dataset: name)
            guard !spans.isEmpty else { throw APIError.notFound("no dataset '\(name)'; add one with `drover data add`") }
            return try JSONReply.ok(DatasetView(name: name, spans: spans), for: r)
        }
        get(router, "/api/v1/datasets/:name/drift") { r, c in
            guard let artifacts = backend.artifacts else {
                throw APIError(.serviceUnavailable, "no_artifacts", "this server has no artifact store to read statistics from")
            }
            let lookup = DriftLookup(metadata: backend.metadata, registry: backend.registry, artifacts: artifacts)
            return try JSONReply.ok(try await lookup.report(dataset: try c.parameters.require("name"), current: r.text("current"),
                                                            reference: r.text("reference")), for: r)
        }
        get(router, "/api/v1/jobs/:id/logs") { r, c in
            let id = try c.parameters.require("id", as: UInt64.self)
            let stream = r.text("stream") ?? "stdout"
            guard ["stdout", "stderr"].contains(stream) else { throw APIError.badRequest("stream must be stdout or stderr, not '\(stream)'") }
            let attempt = try r.optionalInteger("attempt", in: 1...1_000_000).map { UInt32($0) }
            let offset = try r.optionalInteger("offset", in: 0...Int.max).map { Int64($0) } ?? 0
            return try JSONReply.ok(try await backend.link.query(LogsQuery(id: id, attempt: attempt, stream: stream, offset: offset)), for: r)
        }
        get(router, "/api/v1/anomalies") { r, _ in
            let limit = try r.integer("limit", in: 1...200, default: 20)
            return try JSONReply.ok(try await anomalies(runs: limit), for: r)
        }
    }

    /// A `GET` route behind a `read` token.
    func get(_ router: Router<BasicRequestContext>, _ path: RouterPath,
             _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) {
        let auth = backend.auth
        router.get(path) { request, context in
            _ = try await auth.require(.read, request)
            return try await handler(request, context)
        }
    }

    func jobs(_ r: Request) async throws -> Response {
        let limit = try r.integer("limit", in: 1...1_000, default: 50)
        let before = try r.cursor(as: UInt64.self)
        // The coordinator writes the page's JSON; it is passed on as it is (no decoding, no re-encoding).
        let page = try await backend.link.queryJSON(JobsPageQuery(JobsQuery(state: r.text("state"), kind: r.text("kind"), before: before, limit: limit)))
        return JSONReply.ok(json: page, for: r)
    }

    func runs(_ r: Request) async throws -> Response {
        let limit = try r.integer("limit", in: 1...1_000, default: 50)
        let before = try r.cursor(as: Double.self)
        let items = try await backend.metadata.runs(status: r.text("state"), before: before, limit: limit)
        return try JSONReply.ok(Page(items: items, next: items.count == limit ? items.last.map { String($0.startedAt) } : nil), for: r)
    }

    /// One run: the coordinator's live view and the store's records, read concurrently (eight
    /// reads one after another took ~8 ms, each a hand-off to GRDB's queue and back).
    func run(_ id: String, _ r: Request) async throws -> Response {
        let m = backend.metadata, registry = backend.registry
        async let live = liveRun(id)
        async let record = m.run(id)
        async let steps = m.steps(runID: id)
        async let jobs = m.jobAttempts(runID: id)
        async let params = m.params(runID: id)
        async let metrics = m.latestMetrics(runID: id)
        async let verdicts = registry.verdicts(runID: id)
        async let anomalies = m.anomalies(runID: id)
        let (liveRun, storedRun) = (try await live, try await record)
        guard liveRun != nil || storedRun != nil else { throw APIError.notFound("no run '\(id)'; list runs with GET /api/v1/runs") }
        return try JSONReply.ok(RunView(
            run: liveRun, record: storedRun, steps: try await steps, jobs: try await jobs, params: try await params,
            metrics: try await metrics, verdicts: try await verdicts, anomalies: try await anomalies), for: r)
    }

    /// The coordinator's view of a run, or nil when it does not know it (the store may).
    func liveRun(_ id: String) async throws -> RunInfo? {
        do {
            return try await backend.link.query(RunQuery(id: id))
        } catch {
            let status = APIError.from(error).status // an unknown run, or no runner
            guard status == .notFound || status == .notImplemented else { throw error }
            return nil
        }
    }

    func model(_ name: String, _ r: Request) async throws -> Response {
        let reg = backend.registry
        let summary = try await reg.model(name)
        let versions = try await reg.versions(model: name)
        var history: [String: [MetricPointView]] = [:]
        for v in versions.reversed() {
            for (k, value) in v.metrics { history[k, default: []].append(MetricPointView(version: v.version, value: value)) }
        }
        return try JSONReply.ok(ModelView(
            model: summary, versions: versions, verdicts: try await reg.verdicts(model: name),
            aliasHistory: try await reg.aliasHistory(model: name), metricHistory: history), for: r)
    }
}

extension APIReadRoutes {
    /// The anomalies of the newest `runs` runs (against each pipeline's history) and of each
    /// dataset's newest span (few rows), newest first.
    func anomalies(runs: Int) async throws -> AnomaliesView {
        let m = backend.metadata
        var out: [AnomalyView] = []
        for run in try await m.runs(limit: runs) {
            for a in try await m.anomalies(runID: run.id) {
                out.append(AnomalyView(at: run.startedAt, source: "run \(run.id) (\(run.pipeline))", runID: run.id, dataset: nil, anomaly: a))
            }
        }
        for d in try await m.datasets() {
            for a in try await m.anomalies(dataset: d.name, span: d.latestSpan) {
                out.append(AnomalyView(at: d.updatedAt, source: "dataset \(d.name) span \(d.latestSpan)", runID: nil, dataset: d.name, anomaly: a))
            }
        }
        return AnomaliesView(items: out.sorted { $0.at > $1.at }, runsSearched: runs)
    }
}

struct AnomalyView: Encodable { var at: Double; var source: String; var runID: String?; var dataset: String?; var anomaly: HistoryAnomaly }
struct AnomaliesView: Encodable { var items: [AnomalyView]; var runsSearched: Int }
struct ClusterView: Encodable { var status: ClusterStatus; var workers: [WorkerInfo] }
struct VersionView: Encodable { var version: ModelVersion; var verdicts: [StoredVerdict] }
struct DatasetView: Encodable { var name: String; var spans: [DatasetSpan] }
struct MetricPointView: Encodable { var version: Int; var value: Double }

struct ModelView: Encodable {
    var model: ModelSummary
    var versions: [ModelVersion]
    var verdicts: [StoredVerdict]
    var aliasHistory: [AliasMove]
    /// Metric name → its value per version, oldest version first (what the dashboard plots).
    var metricHistory: [String: [MetricPointView]]
}

/// One run: the runner's live view (steps with state, progress, verdict) when the coordinator
/// knows it, and what the metadata store recorded.
struct RunView: Encodable {
    var run: RunInfo?
    var record: RunRecord?
    var steps: [StepRecord]
    var jobs: [JobAttemptRecord]
    var params: [String: String]
    var metrics: [String: Double]
    var verdicts: [StoredVerdict]
    /// Against the pipeline's history: slow steps, metric regressions, few rows.
    var anomalies: [HistoryAnomaly]
}
