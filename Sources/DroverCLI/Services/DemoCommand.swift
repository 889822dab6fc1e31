import ArgumentParser
import DroverArtifacts
import DroverClient
import DroverCoordinator
import DroverProtocol
import DroverWorker
import Foundation
import Logging
import NativeThreads

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded default (coordinator + 2 local workers, SQLite), run a sample workload, stop.",
        discussion: """
        Examples:
          drover demo
          drover demo --data-dir /tmp/drover-demo --port 6555 --json

        Runs 10,000 no-op jobs, sleeping jobs, jobs that report metrics, a job that fails
        and is retried, two training jobs, then a churn pipeline three times: a first model
        promoted, a weaker one rejected, a span without a column blocked at validation.
        Prints what happened. Exit code 0 when the run behaved as expected.
        """)

    @Option(name: .long, help: "Worker port (clients use the next one).")
    var port: Int = 5555
    @Option(name: .long, help: "Journal directory (created; reused if it exists).")
    var dataDir: String = ".drover-demo"
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: "Log level for the embedded services.")
    var logLevel: String = "warning"

    struct Report: Codable {
        var steps: [Step]
        var ok: Bool
    }

    struct Step: Codable {
        var name: String
        var jobs: Int
        var states: [String: Int]
        var seconds: Double
        var expected: String
        var ok: Bool
    }

    func run() async throws {
        let logger = try LoggingOptions.parse(["--log-level", logLevel]).bootstrap(label: "drover.demo")
        let endpoint = "tcp://127.0.0.1:\(port)"
        let config = try CoordinatorFlags.parse(["--bind", endpoint, "--data-dir", dataDir, "--retry-backoff-ms", "50"])
        var options = try config.options()
        let services = try await Output.run { try CoordinatorServices(options: &options, flags: config, logger: logger) }
        let workers = (1...2).map { i in
            var w = WorkerOptions(coordinator: endpoint, name: "demo-\(i)", slots: 4, prefetch: 256)
            w.artifacts = services.localArtifacts
            return WorkerService(options: w, logger: logger)
        }
        let json = output.json
        let report = ReportBox()
        let port = self.port
        try await Output.run {
            do {
                try await ServiceRunner.run(services.services + workers, logger: logger, stopAfterReady: true) {
                    let endpoints = try await services.waitUntilReady()
                    if !json { Output.line("drover demo: coordinator up (\(endpoints)), 2 local workers × 4 slots, journal in \(dataDir)") }
                    report.value = try await runOffPool { try DemoCommand.workload(endpoint: endpoint, dataDir: dataDir, json: json) }
                }
            } catch let error as CLIError where (error.cause as? CoordinatorError)?.isAddressInUse == true
                        || error.message.contains("already in use") {
                throw CLIError("port \(port), \(port + 1) or \(port + 2) is taken (is `drover up` running?)", hint: "drover demo --port \(port + 1000)")
            }
        }
        guard let result = report.value else { throw CLIError("the demo did not run") }
        if json { try Output.json(result) }
        if !result.ok { throw DroverExit.failure }
    }

    /// The sample workload, as a client would run it.
    static func workload(endpoint: String, dataDir: String, json: Bool) throws -> Report {
        let client = try DroverClient(coordinator: endpoint, timeoutMs: 10_000)
        var steps: [Step] = []
        func step(_ name: String, _ spec: JobSpec, count: Int, expected: String, check: ([JobState: Int]) -> Bool) throws {
            let start = ContinuousClock.now
            let states = try client.submitMany(count: count, watch: true, waitTimeoutMs: 120_000) {
                Array(repeating: spec, count: $0.count)
            }.ended
            let d = ContinuousClock.now - start
            let s = Step(name: name, jobs: count, states: Dictionary(uniqueKeysWithValues: states.map { ($0.key.name, $0.value) }),
                         seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18,
                         expected: expected, ok: check(states))
            steps.append(s)
            if !json {
                let st = s.states.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                Output.line("  \(s.ok ? "✔" : "✘") \(name.padding(toLength: 33, withPad: " ", startingAt: 0))"
                            + String(format: "%6d jobs → ", count) + st + String(format: " in %.2f s", s.seconds))
            }
        }
        try step("no-op dispatch", JobSpec(kind: "noop"), count: 10_000, expected: "all succeed") { $0[.succeeded] == 10_000 }
        try step("sleep 20 ms (8 slots)", JobSpec(kind: "sleep", params: ["ms": "20"]), count: 40, expected: "all succeed") {
            $0[.succeeded] == 40
        }
        try step("echo metrics", JobSpec(kind: "echo", params: ["loss": "0.25", "accuracy": "0.91"]), count: 5,
                 expected: "all succeed with metrics") { $0[.succeeded] == 5 }
        try step("fail, 2 retries", JobSpec(kind: "fail", params: ["message": "demo failure"], maxRetries: 2), count: 1,
                 expected: "fails after 3 attempts") { $0[.failed] == 1 }
        try step("high priority jobs", JobSpec(kind: "noop", priority: .high), count: 100, expected: "all succeed") {
            $0[.succeeded] == 100
        }
        // The main job of an MLOps platform: train models on workers and read their holdout metrics.
        let csv = try DemoData.write(in: dataDir)
        for model in ["logistic", "gbdt"] {
            let spec = JobSpec(kind: "train", params: [
                "data": csv, "label": "churned", "model": model, "holdout_modulo": "5",
                "out": URL(fileURLWithPath: dataDir).appendingPathComponent("\(model).drover").path,
            ])
            try step("train \(model) on generated data", spec, count: 1, expected: "succeeds, holdout ROC AUC > 0.8") { states in
                states[.succeeded] == 1
            }
        }
        let trained = try client.query(JobsQuery(state: "succeeded", limit: 2))
        for job in trained.reversed() {
            let info = try client.query(JobQuery(id: job.id))
            let auc = info.metrics["roc_auc"] ?? 0, acc = info.metrics["accuracy"] ?? 0
            if auc <= 0.8, let i = steps.lastIndex(where: { $0.name.contains(info.params["model"] ?? "?") }) {
                steps[i].ok = false
                if !json { Output.line("    ✘ holdout ROC AUC \(auc) is not above 0.8") }
            }
            if !json {
                Output.line(String(format: "    job %llu %@ on %@: holdout accuracy %.3f, ROC AUC %.3f, model %@", info.id,
                                   info.params["model"] ?? "?", info.worker ?? "?", acc, auc, info.params["out"] ?? "?"))
            }
        }
        steps += try DemoPipelines.run(client: client, dataDir: dataDir, customers: csv, json: json)
        let status = try client.query(StatusQuery())
        if !json {
            Output.line("cluster: \(status.workers.alive) workers alive; jobs " +
                        status.jobs.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            Output.line("next: `drover models show churn@champion --data-dir \(dataDir)`, `drover lineage churn@champion --data-dir \(dataDir)`,")
            Output.line("      `drover evaluate \(dataDir)/gbdt.drover \(dataDir)/customers.csv`, `drover data stats \(dataDir)/customers.csv`,")
            Output.line("      or `drover up --workers 2` in one terminal and `drover submit --kind sleep --param ms=50 --count 100 --wait` in another")
        }
        return Report(steps: steps, ok: steps.allSatisfy(\.ok))
    }
}

/// Carries the demo's report out of the service group's task.
/// `@unchecked Sendable`: written once by the workload task before the group ends, read after.
final class ReportBox: @unchecked Sendable {
    var value: DemoCommand.Report?
}
