import ArgumentParser
import DroverCore
import DroverStore
import Foundation

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Pipeline runs recorded in the metadata store.",
        discussion: """
        Examples:
          drover runs list --pipeline churn
          drover runs show r-12      # steps, jobs, timings, verdicts, anomalies, trials and curves
        """,
        subcommands: [RunsList.self, RunsShow.self])
}

struct RunsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List runs, newest first.",
        discussion: """
        Examples:
          drover runs list
          drover runs list --pipeline churn --limit 5 --json
        """)

    @Option(name: .long, help: "Only runs of this pipeline.")
    var pipeline: String?
    @Option(name: .long, help: "At most this many runs.")
    var limit: Int = 20
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if limit <= 0 { throw ValidationError("--limit must be positive, got \(limit)") }
    }

    func run() async throws {
        try await Output.run {
            let (store, _) = try store.open()
            do {
                let runs = try await store.runs(pipeline: pipeline, limit: limit)
                if output.json { return try Output.json(runs) }
                if runs.isEmpty { return Output.line("no runs yet; start one with drover run PIPELINE.yaml") }
                Output.line(columns(["run", "pipeline", "status", "started", "seconds"], runs.map { r in
                    [r.id, r.pipeline, r.status, isoTime(r.startedAt), r.finishedAt.map { String(format: "%.2f", $0 - r.startedAt) } ?? "-"]
                }))
            } catch { throw cliError(error) }
        }
    }
}

/// Everything recorded about one run (`drover runs show --json`).
struct RunDetail: Encodable {
    var run: RunRecord
    var steps: [StepRecord]
    var jobs: [JobAttemptRecord]
    var params: [String: String]
    var metrics: [String: Double]
    var lineage: [LineageEdge]
    var verdicts: [StoredVerdict]
    var anomalies: [HistoryAnomaly]
    /// A sweep's trials: params, status, value, why stopped, the winner, the curve.
    var trials: [TrialDetail]
    /// Metrics reported more than once (streamed while a command ran).
    var curves: [CurveSummary]
    /// How a triggered run was started, its training window and warm start (docs/pipelines.md, "Online retraining").
    var retraining: RetrainingDetail?
}

/// The run params online retraining records (`trigger.*`, `window`, `warm_start*`), together.
struct RetrainingDetail: Encodable {
    var rule: String?
    var reason: String?
    var ingest: String?
    var window: String?
    var warmStart: String?
    var warmStartFrom: String?

    static let keys = ["trigger.rule", "trigger.reason", "trigger.ingest", "window", "warm_start", "warm_start.from"]

    init?(_ params: [String: String]) {
        guard Self.keys.contains(where: { params[$0] != nil }) else { return nil }
        (rule, reason, ingest) = (params["trigger.rule"], params["trigger.reason"], params["trigger.ingest"])
        (window, warmStart, warmStartFrom) = (params["window"], params["warm_start"], params["warm_start.from"])
    }

    var lines: [String] {
        var out: [String] = []
        if let rule { out.append("trigger: \(rule): \(reason ?? "")" + (ingest.map { " (ingest \($0))" } ?? "")) }
        if let window { out.append("window: \(window)") }
        if let warm = warmStart ?? warmStartFrom.map({ "from \($0)" }) { out.append("warm start: \(warm)") }
        return out
    }
}

struct RunsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one run: steps, jobs and shards, timings, cache hits and why, params, metrics, trials and curves, verdicts, anomalies.",
        discussion: """
        Exit 0 when the run exists (whatever its outcome), 2 when it does not.
        Examples:
          drover runs show r-12
          drover runs show r-12 --json | jq .anomalies
        """)

    @Argument(help: "The run id (see drover runs list).")
    var id: String
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            let (store, registry) = try store.open()
            do {
                guard let run = try await store.run(id) else {
                    let recent = try await store.runs(limit: 5).map(\.id)
                    throw CLIError.input("no run '\(id)'", hint: recent.isEmpty ? "no runs are recorded yet" : "recent runs: \(recent.joined(separator: ", "))")
                }
                let steps = try await store.steps(runID: id), params = try await store.params(runID: id)
                let points = try await store.metrics(runID: id)
                let detail = RunDetail(run: run, steps: steps.filter { $0.kind != "trial" }, jobs: try await store.jobAttempts(runID: id),
                                       params: params.filter { !$0.key.hasPrefix("trial.") && !RetrainingDetail.keys.contains($0.key) }, metrics: try await store.latestMetrics(runID: id),
                                       lineage: try await store.lineage(runID: id), verdicts: try await registry.verdicts(runID: id),
                                       anomalies: try await store.anomalies(runID: id),
                                       trials: RunTrials.trials(steps: steps, params: params, points: points), curves: RunTrials.curves(points),
                                       retraining: RetrainingDetail(params))
                if output.json { return try Output.json(detail) }
                print(detail)
            } catch { throw cliError(error) }
        }
    }

    func print(_ d: RunDetail) {
        let r = d.run
        Output.line("run \(r.id)  pipeline \(r.pipeline)  status \(r.status)")
        Output.line("started \(isoTime(r.startedAt))" + (r.finishedAt.map { ", took \(String(format: "%.2f", $0 - r.startedAt)) s" } ?? ""))
        if let c = r.codeVersion { Output.line("code version \(c)") }
        if let m = r.message { Output.line("message: \(m)") }
        for line in d.retraining?.lines ?? [] { Output.line(line) }
        Output.line("")
        Output.line(columns(["step", "kind", "status", "seconds", "jobs", "cache"], d.steps.map { s in
            let jobs = d.jobs.filter { $0.step == s.name }
            let shards = Set(jobs.compactMap(\.shard)).count
            let retries = jobs.count - Set(jobs.map(\.jobID)).count
            let jobText = jobs.isEmpty ? "-" : "\(Set(jobs.map(\.jobID)).count)" + (shards > 0 ? " (\(shards) shards)" : "") + (retries > 0 ? ", \(retries) retried" : "")
            let cache = s.cacheHit ? "hit: \(s.cacheReason ?? "inputs, params and code unchanged")" : (s.cacheReason.map { "miss: \($0)" } ?? "-")
            return [s.name, s.kind, s.status, s.duration.map { String(format: "%.2f", $0) } ?? "-", jobText, cache]
        }))
        if !d.params.isEmpty {
            Output.line("")
            Output.line("params: " + d.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if !d.metrics.isEmpty { Output.line("metrics: \(metricsText(d.metrics))") }
        RunTrials.print(d.trials, curves: d.curves)
        for v in d.verdicts {
            Output.line("")
            Output.line("verdict on \(v.model) version \(v.candidateVersion) against " + (v.baselineVersion.map { "version \($0)" } ?? "no champion") + ":")
            Output.line(v.verdict.table)
        }
        Output.line("")
        if d.anomalies.isEmpty {
            Output.line("anomalies: none against this pipeline's history")
        } else {
            Output.line("anomalies:")
            for a in d.anomalies { Output.line("  \(a.kind.rawValue): \(a.message)") }
        }
    }
}
