import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation
import ZeroMQ

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (see docs/performance.md).",
        discussion: """
        Examples:
          drover bench dispatch                  # no-op jobs/s and round trip, 2 worker processes
          drover bench load --jobs 100000        # 200 simulated workers, bounded queue, journal audit
          drover bench artifacts                 # 1 GiB artifact over HTTP on loopback, cache hit
          drover bench commands                  # 1,000 × `true` as command jobs vs run directly
        """,
        subcommands: [DispatchBench.self, MetricsBench.self, LoadBench.self, QueueMemoryBench.self, StartupBench.self, CompactionBench.self,
                      BenchMLData.self, BenchMLModels.self, TrackingBench.self, ArtifactsBench.self, CommandsBench.self,
                      DistributedBench.self, FeaturesBench.self])
}

struct DispatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "No-op jobs through a real coordinator and two real worker processes on loopback, journal on.",
        discussion: """
        Examples:
          drover bench dispatch                      # 200k pipelined jobs + 2,000 round trips
          drover bench dispatch --jobs 1000000 --json

        Prints jobs/s, CPU µs per job (coordinator + workers + this client) and the round-trip
        (submit → result) p50/p99. bench/dispatch/run.sh runs it next to Ray.
        """)

    @Option(name: .long, help: "No-op jobs for the throughput run.")
    var jobs: Int = 200_000
    @Option(name: .long, help: "Sequential single-job round trips for the latency run.")
    var roundTrips: Int = 2_000
    @Option(name: .long, help: "Jobs per SUBMIT message.")
    var batch: Int = 2_048
    @Option(name: .long, help: "Submit messages in flight.")
    var window: Int = 8
    @Option(name: .long, help: "Credit per worker (slots + prefetch).")
    var prefetch: Int = 4_096
    @Option(name: .long, help: "First of two consecutive free TCP ports.")
    var port: Int = 25_555
    @Option(name: .long, help: "Journal durability: process or fsync.")
    var sync: String = "process"
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var jobs: Int
        var seconds: Double
        var jobsPerSecond: Double
        var cpuMicrosPerJob: Double
        var roundTrips: Int
        var p50Micros: Double
        var p99Micros: Double
        /// Submit → SUBMITTED (one hop each way and the first journal commit).
        var submittedP50Micros: Double
        var coordinatorPeakRSSMiB: Double
        var journal: String
    }

    func run() throws {
        try Output.runSync {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-bench-\(getpid())").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let endpoint = "tcp://127.0.0.1:\(port)"
            let exe = currentExecutable
            let coordinator = try ChildProcess(executable: exe, arguments: [
                "coordinator", "--bind", endpoint, "--data-dir", dir, "--sync", sync, "--log-level", "warning",
            ], name: "coordinator")
            defer { coordinator.terminate() }
            let workers = try (1...2).map { i in
                try ChildProcess(executable: exe, arguments: [
                    "worker", "--connect", endpoint, "--slots", "1", "--prefetch", "\(prefetch)", "--name", "bench-\(i)",
                    "--log-level", "warning",
                ], name: "worker-\(i)")
            }
            defer { for w in workers { w.terminate() } }
            let client = try DroverClient(coordinator: endpoint, timeoutMs: 10_000)
            try waitForWorkers(client, count: 2)
            guard coordinator.isAlive else {
                throw CLIError("the benchmark's coordinator exited at start (is port \(port) or \(port + 1) taken?)",
                               hint: "pass --port with two free consecutive ports")
            }
            // Warm-up, then the pipelined run.
            _ = try pipelined(client, jobs: 20_000)
            let cpuBefore = coordinator.cpuSeconds + workers.reduce(0) { $0 + $1.cpuSeconds } + ChildProcess.cpuSeconds(pid: getpid())
            let seconds = try pipelined(client, jobs: jobs)
            let cpuAfter = coordinator.cpuSeconds + workers.reduce(0) { $0 + $1.cpuSeconds } + ChildProcess.cpuSeconds(pid: getpid())
            let trips = try roundTrip(client, count: roundTrips)
            let latencies = trips.total.sorted(), accepted = trips.accepted.sorted()
            let report = Report(
                jobs: jobs, seconds: seconds, jobsPerSecond: Double(jobs) / seconds,
                cpuMicrosPerJob: (cpuAfter - cpuBefore) / Double(jobs) * 1e6, roundTrips: roundTrips,
                p50Micros: percentile(latencies, 50), p99Micros: percentile(latencies, 99),
                submittedP50Micros: percentile(accepted, 50),
                coordinatorPeakRSSMiB: Double(coordinator.peakRSS) / 1_048_576, journal: "sqlite WAL (\(sync))")
            if output.json { return try Output.json(report) }
            Output.line(String(format: "drover dispatch: %d no-op jobs in %.3f s = %.0f jobs/s; CPU %.2f µs/job (coordinator+2 workers+client)",
                               jobs, seconds, report.jobsPerSecond, report.cpuMicrosPerJob))
            Output.line(String(format: "drover round trip (submit → result), %d sequential jobs: p50 %.0f µs, p99 %.0f µs (submit → accepted p50 %.0f µs)",
                               roundTrips, report.p50Micros, report.p99Micros, report.submittedP50Micros))
            Output.line(String(format: "coordinator peak RSS %.1f MiB; journal %@", report.coordinatorPeakRSSMiB, report.journal))
        }
    }

    func waitForWorkers(_ client: DroverClient, count: Int) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let s = try? client.query(StatusQuery()), s.workers.alive >= count { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw CLIError("workers did not connect within 10 s")
    }

    /// Submits `jobs` no-ops with up to `window` SUBMITs in flight; returns seconds until the last DONE.
    func pipelined(_ client: DroverClient, jobs: Int) throws -> Double {
        let start = ContinuousClock.now
        let spec = JobSpec(kind: "noop")
        _ = try client.submitMany(count: jobs, batch: batch, window: window, watch: true) { Array(repeating: spec, count: $0.count) }
        return seconds(since: start)
    }

    func roundTrip(_ client: DroverClient, count: Int) throws -> (total: [Double], accepted: [Double]) {
        try sequentialRoundTrips(client, count: count, spec: JobSpec(kind: "noop"))
    }
}

/// Submit one job, wait for its DONE; repeat. Returns each round trip in µs, and the time
/// until SUBMITTED (the first of the two journal commits on the path).
func sequentialRoundTrips(_ client: DroverClient, count: Int, spec: JobSpec) throws -> (total: [Double], accepted: [Double]) {
    var total: [Double] = [], accepted: [Double] = []
    total.reserveCapacity(count)
    accepted.reserveCapacity(count)
    func micros(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
    }
    for i in 0..<count {
        let start = ContinuousClock.now
        try client.send(.submit(requestID: UInt64(i + 1), watch: true, jobs: [spec]))
        var gotDone = false
        while !gotDone {
            guard let reply = try client.receiveAny() else {
                guard ContinuousClock.now - start < .seconds(10) else { throw CLIError("round trip \(i) got no answer in 10 s") }
                continue
            }
            if case .submitted = reply { accepted.append(micros(since: start)) }
            if case .done = reply { gotDone = true }
        }
        total.append(micros(since: start))
    }
    return (total, accepted)
}

func percentile(_ sorted: [Double], _ p: Int) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * p / 100)]
}
