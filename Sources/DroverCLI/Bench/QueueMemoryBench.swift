import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation

struct QueueMemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-memory",
        abstract: "Queue a million no-op jobs on a real coordinator with no workers; report its resident memory.",
        discussion: """
        Examples:
          drover bench queue-memory
          drover bench queue-memory --jobs 1000000 --json
        """)

    @Option(name: .long, help: "Jobs to queue.")
    var jobs: Int = 1_000_000
    @Option(name: .long, help: "First of two consecutive free TCP ports.")
    var port: Int = 25_565
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var jobsQueued: Int
        var submitSeconds: Double
        var coordinatorRSSMiB: Double
        var coordinatorPeakRSSMiB: Double
        var bytesPerJob: Double
        var restartReplaySeconds: Double
    }

    func run() throws {
        try Output.runSync {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-qmem-\(getpid())").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let endpoint = "tcp://127.0.0.1:\(port)"
            let args = ["coordinator", "--bind", endpoint, "--data-dir", dir, "--max-queued", "\(jobs + 1)",
                        "--log-level", "warning"]
            var coordinator = try ChildProcess(executable: currentExecutable, arguments: args, name: "coordinator")
            let client = try DroverClient(coordinator: endpoint, timeoutMs: 30_000)
            let baseline = coordinator.rss
            let start = ContinuousClock.now
            let spec = JobSpec(kind: "noop")
            _ = try client.submitMany(count: jobs, batch: 4_096, window: 8, watch: false) { Array(repeating: spec, count: $0.count) }
            let submitSeconds = seconds(since: start)
            let rss = coordinator.rss, peak = coordinator.peakRSS
            coordinator.terminate()
            // Restart on the same journal: how long until it answers again (replay of every record).
            let restart = ContinuousClock.now
            coordinator = try ChildProcess(executable: currentExecutable, arguments: args, name: "coordinator")
            defer { coordinator.terminate() }
            let status = try client.query(StatusQuery())
            let replay = seconds(since: restart)
            guard status.jobs["queued"] == jobs else {
                throw CLIError("after restart \(status.jobs["queued"] ?? 0) jobs are queued, expected \(jobs)")
            }
            let report = Report(jobsQueued: jobs, submitSeconds: submitSeconds, coordinatorRSSMiB: Double(rss) / 1_048_576,
                                coordinatorPeakRSSMiB: Double(peak) / 1_048_576,
                                bytesPerJob: Double(rss - baseline) / Double(jobs), restartReplaySeconds: replay)
            if output.json { return try Output.json(report) }
            Output.line(String(format: "%d jobs queued in %.2f s; coordinator RSS %.1f MiB (peak %.1f MiB, %.0f bytes/job); restart + replay %.2f s",
                               jobs, submitSeconds, report.coordinatorRSSMiB, report.coordinatorPeakRSSMiB,
                               report.bytesPerJob, replay))
        }
    }
}

struct StartupBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "startup",
        abstract: "Time from starting `drover up --workers 2` until both workers are connected, as a client sees it.",
        discussion: """
        Examples:
          drover bench startup --runs 5
        """)

    @Option(name: .long, help: "Repetitions (median reported).")
    var runs: Int = 5
    @Option(name: .long, help: "First of two consecutive free TCP ports.")
    var port: Int = 25_575
    @OptionGroup var output: OutputOptions

    func run() throws {
        try Output.runSync {
            var times: [Double] = []
            for i in 0..<runs {
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-up-\(getpid())-\(i)").path
                defer { try? FileManager.default.removeItem(atPath: dir) }
                let endpoint = "tcp://127.0.0.1:\(port)"
                let client = try DroverClient(coordinator: endpoint, timeoutMs: 200)
                let start = ContinuousClock.now
                let up = try ChildProcess(executable: currentExecutable, arguments: [
                    "up", "--workers", "2", "--bind", endpoint, "--data-dir", dir, "--log-level", "warning",
                ], name: "up")
                defer { up.terminate() }
                while true {
                    if let s = try? client.query(StatusQuery()), s.workers.alive == 2 { break }
                    guard seconds(since: start) < 10 else { throw CLIError("drover up was not ready within 10 s") }
                }
                times.append(seconds(since: start))
            }
            times.sort()
            let median = times[times.count / 2]
            if output.json { return try Output.json(["medianSeconds": median, "minSeconds": times[0]]) }
            Output.line(String(format: "drover up --workers 2 ready (2 workers connected) in %.0f ms (median of %d; min %.0f ms)",
                               median * 1000, runs, times[0] * 1000))
        }
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
