import ArgumentParser
import DroverClient
import DroverProtocol
import DroverWorker
import Foundation

/// `drover bench commands`: the overhead of a command job over running the same program directly.
struct CommandsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commands",
        abstract: "1,000 × `true` as command jobs (real coordinator and worker on loopback) against running it directly.",
        discussion: """
        Examples:
          drover bench commands
          drover bench commands --jobs 2000 --slots 2 --json
          drover bench commands --no-cgroups      # the same without cgroups, for comparison

        Runs `true` directly (spawn + wait, sequentially), then as command jobs one after another
        (submit → result) and pipelined over the worker's slots. The overhead per job is the
        sequential round trip minus the direct run (docs/performance.md).
        """)

    @Option(name: .long, help: "Command jobs (and direct runs) per measurement.")
    var jobs: Int = 1_000
    @Option(name: .long, help: "The worker's slots for the pipelined run.")
    var slots: Int = 2
    @Option(name: .long, help: "First of three consecutive free TCP ports.")
    var port: Int = 25_655
    @Flag(name: .long, help: "Start the worker with --no-cgroups (rlimits only), to measure what cgroups cost per job.")
    var noCgroups = false
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var jobs: Int
        var directMillisPerRun: Double
        var sequentialMillisPerJob: Double
        var sequentialP99Millis: Double
        var overheadMillisPerJob: Double
        var pipelinedJobsPerSecond: Double
        var slots: Int
    }

    func validate() throws {
        guard jobs >= 10, slots >= 1 else { throw ValidationError("--jobs must be at least 10 and --slots at least 1") }
    }

    func run() throws {
        try Output.runSync {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-bench-commands-\(getpid())").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let directMs = try direct(count: jobs)
            let endpoint = "tcp://127.0.0.1:\(port)"
            let exe = currentExecutable
            let coordinator = try ChildProcess(executable: exe, arguments: [
                "coordinator", "--bind", endpoint, "--data-dir", dir + "/data", "--log-level", "warning",
            ], name: "coordinator")
            defer { coordinator.terminate() }
            let worker = try ChildProcess(executable: exe, arguments: [
                "worker", "--connect", endpoint, "--slots", "\(slots)", "--prefetch", "\(slots)", "--name", "bench-commands",
                "--log-level", "warning", "--allow-commands", "--allow-root-commands", "--command-root", dir,
            ] + (noCgroups ? ["--no-cgroups"] : []), name: "worker")
            defer { worker.terminate() }
            let client = try DroverClient(coordinator: endpoint, timeoutMs: 10_000)
            try DispatchBench().waitForWorkers(client, count: 1)
            var spec = JobSpec(kind: "command")
            spec.params = CommandJobRequest(argv: ["true"]).params
            _ = try sequentialRoundTrips(client, count: 20, spec: spec) // warm-up
            let trips = try sequentialRoundTrips(client, count: jobs, spec: spec).total.sorted()
            let start = ContinuousClock.now
            let outcome = try client.submitMany(count: jobs, watch: true) { Array(repeating: spec, count: $0.count) }
            let pipelined = seconds(since: start)
            guard outcome.ended[.succeeded] == jobs else {
                throw CLIError("not every command job succeeded: \(outcome.ended)", hint: "see `drover jobs --state failed`")
            }
            let sequentialMs = trips.reduce(0, +) / Double(trips.count) / 1_000
            let report = Report(jobs: jobs, directMillisPerRun: directMs, sequentialMillisPerJob: sequentialMs,
                                sequentialP99Millis: percentile(trips, 99) / 1_000, overheadMillisPerJob: sequentialMs - directMs,
                                pipelinedJobsPerSecond: Double(jobs) / pipelined, slots: slots)
            if output.json { return try Output.json(report) }
            Output.line(String(format: "direct: `true` spawned and waited for %d times: %.3f ms each", jobs, directMs))
            Output.line(String(format: "drover: %d sequential command jobs (submit → result): mean %.3f ms, p99 %.3f ms; overhead %.3f ms per job",
                               jobs, sequentialMs, report.sequentialP99Millis, report.overheadMillisPerJob))
            Output.line(String(format: "drover: %d pipelined command jobs on %d slots: %.0f jobs/s", jobs, slots, report.pipelinedJobsPerSecond))
        }
    }

    /// Mean milliseconds to start `true` and wait for it, `count` times in a row.
    private func direct(count: Int) throws -> Double {
        let start = ContinuousClock.now
        for _ in 0..<count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/true")
            try p.run()
            p.waitUntilExit()
        }
        return seconds(since: start) * 1_000 / Double(count)
    }
}
