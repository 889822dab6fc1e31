import ArgumentParser
import DroverStore
import Foundation

/// Tracking throughput: params and metrics into the metadata store vs MLflow tracking with its
/// SQLite backend (bench/tracking/mlflow_bench.py), side by side, medians of `--runs`.
struct TrackingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracking",
        abstract: "Params and metrics written to the metadata store vs MLflow (SQLite backend): rates and ratios.",
        discussion: """
        Each side logs --params params and --metrics metric values into one run of a fresh store,
        until durable (drover: flush() returned; MLflow: its call returned). Two ways each:
        one call per value (drover record(.metric) / mlflow.log_metric) and batches of 1,000
        (drover .metrics / MlflowClient.log_batch, MLflow's per-request limit).
        Needs `pip install mlflow` (or --skip-mlflow). Build with -c release for figures.
        Examples:
          drover bench tracking                       # 100,000 metrics, 3 runs, table with ratios
          drover bench tracking --runs 3 --json
        """)

    @Option(name: .long, help: "Metric values per run.")
    var metrics: Int = 100_000
    @Option(name: .long, help: "Params per run.")
    var params: Int = 100
    @Option(name: .long, help: "Runs of each side; medians are reported.")
    var runs: Int = 3
    @Option(name: .long, help: "Metric values for MLflow's batch run (default: --metrics; its rate is per value).")
    var mlflowMetrics: Int?
    @Option(name: .long, help: "Metric values for MLflow's one-call-per-value run (slow; its rate is per value).")
    var mlflowPerCallMetrics: Int = 5_000
    @Option(name: .long, help: "The MLflow side's script.")
    var mlflowScript: String = "bench/tracking/mlflow_bench.py"
    @Flag(name: .long, help: "Measure drover only.")
    var skipMlflow = false
    @OptionGroup var output: OutputOptions

    struct Side: Codable {
        var perCallValuesPerSecond: Double
        var batchValuesPerSecond: Double
    }

    struct Report: Codable {
        var metrics: Int
        var params: Int
        var runs: Int
        var drover: Side
        var mlflow: Side?
        var mlflowVersion: String?
        var perCallRatio: Double?
        var batchRatio: Double?
        var loadAverage: String
    }

    func validate() throws {
        if metrics <= 0 || params < 0 || runs <= 0 || mlflowPerCallMetrics <= 0 {
            throw ValidationError("--metrics, --runs and --mlflow-per-call-metrics must be positive, --params not negative")
        }
    }

    func run() async throws {
        try await Output.run {
            if !skipMlflow, !FileManager.default.fileExists(atPath: mlflowScript) {
                throw CLIError.input("no MLflow script at \(mlflowScript)", hint: "run from the repository root, pass --mlflow-script, or --skip-mlflow")
            }
            var drover: [Side] = []
            var mlflow: [(Side, String)] = []
            for _ in 0..<runs {
                drover.append(Side(perCallValuesPerSecond: try await droverRun(batched: false),
                                   batchValuesPerSecond: try await droverRun(batched: true)))
                if !skipMlflow { mlflow.append(try mlflowRun()) }
            }
            let d = Side(perCallValuesPerSecond: median(drover.map(\.perCallValuesPerSecond)),
                         batchValuesPerSecond: median(drover.map(\.batchValuesPerSecond)))
            let m = mlflow.isEmpty ? nil : Side(perCallValuesPerSecond: median(mlflow.map(\.0.perCallValuesPerSecond)),
                                                batchValuesPerSecond: median(mlflow.map(\.0.batchValuesPerSecond)))
            let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
            let report = Report(metrics: metrics, params: params, runs: runs, drover: d, mlflow: m, mlflowVersion: mlflow.first?.1,
                                perCallRatio: m.map { d.perCallValuesPerSecond / $0.perCallValuesPerSecond },
                                batchRatio: m.map { d.batchValuesPerSecond / $0.batchValuesPerSecond }, loadAverage: load)
            if output.json { return try Output.json(report) }
            Output.line("medians of \(runs) runs, \(metrics) metrics + \(params) params per drover run (load average \(load))")
            if let v = report.mlflowVersion {
                Output.line("MLflow \(v) on SQLite: \(mlflowMetrics ?? metrics) metrics + \(params) params batched, \(mlflowPerCallMetrics) one call each")
            }
            Output.line(columns(["values/s", "drover", "mlflow", "ratio"], [
                ["one call per value", String(format: "%.0f", d.perCallValuesPerSecond),
                 m.map { String(format: "%.0f", $0.perCallValuesPerSecond) } ?? "-", report.perCallRatio.map { String(format: "%.0fx", $0) } ?? "-"],
                ["batches of 1,000", String(format: "%.0f", d.batchValuesPerSecond),
                 m.map { String(format: "%.0f", $0.batchValuesPerSecond) } ?? "-", report.batchRatio.map { String(format: "%.0fx", $0) } ?? "-"],
            ]))
        }
    }

    /// Values per second into a fresh store until `flush()` returns (committed to SQLite, WAL).
    func droverRun(batched: Bool) async throws -> Double {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-tracking-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try MetadataStore(dataDirectory: dir)
        defer { store.close() }
        let run = "bench"
        let now = Date().timeIntervalSince1970
        await store.record(.run(RunRecord(id: run, pipeline: "bench", startedAt: now)))
        try await store.flush()
        let start = ContinuousClock.now
        if batched {
            var ps: [String: String] = [:]
            for i in 0..<params { ps["p\(i)"] = String(i) }
            await store.record(.params(runID: run, ps))
            var i = 0
            while i < metrics {
                let n = min(1_000, metrics - i)
                await store.record(.metrics(runID: run, (i..<(i + n)).map {
                    MetricPoint(key: "loss", value: Double($0) * 0.001, step: Int64($0), timestamp: now)
                }))
                i += n
            }
        } else {
            for i in 0..<params { await store.record(.params(runID: run, ["p\(i)": String(i)])) }
            for i in 0..<metrics {
                let e = MetadataEvent.metric(runID: run, MetricPoint(key: "loss", value: Double(i) * 0.001, step: Int64(i), timestamp: now))
                if !store.offer(e) { await store.record(e) }
            }
        }
        try await store.flush()
        let seconds = seconds(since: start)
        let stored = try await store.metrics(runID: run).count
        guard stored == metrics else { throw CLIError("the store holds \(stored) metric values, expected \(metrics)") }
        return Double(metrics + params) / seconds
    }

    func mlflowRun() throws -> (TrackingBench.Side, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", mlflowScript, "--metrics", "\(mlflowMetrics ?? metrics)", "--params", "\(params)",
                       "--per-call-metrics", "\(mlflowPerCallMetrics)"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        struct Result: Decodable { var mlflowVersion: String; var batchValuesPerSecond: Double; var perCallValuesPerSecond: Double }
        guard p.terminationStatus == 0, let r = try? JSONDecoder().decode(Result.self, from: data) else {
            throw CLIError("the MLflow side failed (exit \(p.terminationStatus))", hint: "pip install mlflow, or pass --skip-mlflow")
        }
        return (Side(perCallValuesPerSecond: r.perCallValuesPerSecond, batchValuesPerSecond: r.batchValuesPerSecond), r.mlflowVersion)
    }
}
