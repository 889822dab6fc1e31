import ArgumentParser
import DroverArtifacts
import DroverClient
import DroverProtocol
import DroverStore
import Foundation
import Synchronization

/// `drover bench metrics`: metric points from a running command to the metadata store.
struct MetricsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Metric points from a running command job to the metadata store (real coordinator, worker, pipeline runner, SQLite).",
        discussion: """
        Examples:
          drover bench metrics
          drover bench metrics --points 1000000 --json

        Starts `drover up --allow-commands` on loopback and runs a one-step pipeline whose command
        (awk) appends --points lines `{"metric":"loss","value":V,"step":N}` to $DROVER_METRICS as
        fast as it can. The worker streams the lines in LOGS chunks, the coordinator keeps them
        with the job, the pipeline runner reads, parses and lands them in metadata.sqlite. Reports
        points per second between the first and the last landed batch (the points after the
        first), and end to end (job start to run end). Fails unless every point landed exactly once. Target (issue 10): at least
        50,000 points/s (docs/performance.md).
        """)

    @Option(name: .long, help: "Metric points the command writes.")
    var points: Int = 500_000
    @Option(name: .long, help: "First of three consecutive free TCP ports.")
    var port: Int = 25_755
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var points: Int
        var landed: Int
        var batches: Int
        var ingestSeconds: Double
        /// Points after the first batch over the time from the first to the last batch; nil under 3 batches.
        var pointsPerSecond: Double?
        var firstBatchSeconds: Double
        var afterLastBatchSeconds: Double
        var endToEndSeconds: Double
        var endToEndPointsPerSecond: Double
    }

    func validate() throws {
        guard points >= 1_000 else { throw ValidationError("--points must be at least 1000") }
    }

    func run() throws {
        try Output.runSync {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-bench-metrics-\(getpid())").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let data = dir + "/data", endpoint = "tcp://127.0.0.1:\(port)"
            let up = try ChildProcess(executable: currentExecutable, arguments: [
                "up", "--workers", "1", "--slots", "1", "--bind", endpoint, "--data-dir", data, "--log-level", "warning",
                "--allow-commands", "--allow-root-commands", "--command-root", dir,
            ], name: "up")
            defer { up.terminate() }
            let client = try DroverClient(coordinator: endpoint, timeoutMs: 10_000)
            try DispatchBench().waitForWorkers(client, count: 1)
            let span = dir + "/span.csv"
            try "x,label\n1,0\n".write(toFile: span, atomically: true, encoding: .utf8)
            let ref = try ArtifactStore(dataDirectory: data).put(fileAt: span)
            _ = try client.command(AddSpan(dataset: "bench", artifact: ref.description, rows: 1))
            let program = #"BEGIN { f = ENVIRON["DROVER_METRICS"]; for (i = 1; i <= n; i++) printf "{\"metric\":\"loss\",\"value\":%.6f,\"step\":%d}\n", 1 / i, i > f; close(f); print "m" > (ENVIRON["DROVER_OUTPUT_DIR"] "/model.txt") }"#
            let yaml = """
            pipeline: bench-metrics
            model: bench
            datasets: {bench: }
            cache: false
            steps:
              train:
                command: ["awk", "-v", "n=\(points)", \(Self.quoted(program))]
            """
            var info = try client.command(StartRun(file: "bench-metrics.yaml", yaml: yaml, params: [:]))
            while !info.isFinished {
                Thread.sleep(forTimeInterval: 0.1) // polling a run's state, not synchronisation
                info = try client.query(RunQuery(id: info.id))
            }
            guard info.state == "succeeded" else { throw CLIError("the benchmark run \(info.state): \(info.message ?? "")") }
            let job = try client.query(JobQuery(id: try require(info.steps.first?.jobIDs.first, "job of the run")))
            let store = try MetadataStore(dataDirectory: data)
            let runID = info.id
            // The streamed points have steps 1…N; the step's final metric set adds one more at step 0.
            let landed = try Self.wait { try await store.metrics(runID: runID, key: "loss") }.filter { $0.step >= 1 }
            let steps = Set(landed.map(\.step))
            guard landed.count == points, steps.count == points, steps.min() == 1, steps.max() == Int64(points) else {
                throw CLIError("\(steps.count) of \(points) streamed points landed in metadata.sqlite (\(landed.count - steps.count) twice)")
            }
            guard let first = landed.map(\.timestamp).min(), let last = landed.map(\.timestamp).max() else {
                throw CLIError("no metric point landed in the metadata store")
            }
            // Each batch carries the time it was read: the first batch's points arrived before
            // `first`, so the rate between batches counts the points after it.
            let afterFirst = landed.count { $0.timestamp > first }
            let batches = Set(landed.map(\.timestamp)).count
            let started = Double(job.history.first { $0.state == "running" }?.atMs ?? info.startedAtMs) / 1000
            let ended = Double(info.endedAtMs ?? info.startedAtMs) / 1000
            let report = Report(points: points, landed: landed.count, batches: batches, ingestSeconds: last - first,
                                pointsPerSecond: batches < 3 ? nil : Double(afterFirst) / (last - first),
                                firstBatchSeconds: first - started, afterLastBatchSeconds: ended - last,
                                endToEndSeconds: ended - started, endToEndPointsPerSecond: Double(landed.count) / max(ended - started, 1e-3))
            if output.json { return try Output.json(report) }
            if let rate = report.pointsPerSecond {
                Output.line(String(format: "%d of %d points landed in metadata.sqlite, each step once, in %d batches; first to last batch %.2f s: %.0f points/s",
                                   report.landed, points, batches, report.ingestSeconds, rate))
            } else {
                Output.line("\(report.landed) of \(points) points landed in metadata.sqlite, each step once, in \(batches) batch(es): too few for a rate between batches (use more --points)")
            }
            Output.line(String(format: "end to end (job running → run ended): %.2f s, %.0f points/s; job running → first batch %.2f s, last batch → run ended %.2f s",
                               report.endToEndSeconds, report.endToEndPointsPerSecond, report.firstBatchSeconds, report.afterLastBatchSeconds))
        }
    }

    /// Waits on this (non-pool) thread for an async read of the store.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try box.withLock { $0! }.get()
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// `#require` for a CLI: the value, or an error naming what was missing.
private func require<T>(_ value: T?, _ what: String = "a value") throws -> T {
    guard let value else { throw CLIError("the benchmark found no \(what)") }
    return value
}
