import ArgumentParser
import DroverClient
import DroverProtocol
import DroverStore
import Foundation
import ZeroMQ

struct LoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "A real coordinator (bounded queue) under 200 simulated workers and a client submitting 1M jobs.",
        discussion: """
        Examples:
          drover bench load                                  # 1,000,000 no-ops, 200 workers, --max-queued 100000
          drover bench load --jobs 100000 --workers 50 --json

        The coordinator is a child process with --max-queued; submissions beyond the bound get
        BUSY and are retried after the advised delay until accepted. The simulated workers share
        one socket thread and answer each ASSIGN at once. Afterwards the coordinator is stopped and
        its journal audited: every job accepted exactly once, every one succeeded exactly once.
        Prints throughput, BUSY count and the coordinator's peak RSS; exit 1 on a violation.
        """)

    @Option(name: .long, help: "No-op jobs to submit.")
    var jobs: Int = 1_000_000
    @Option(name: .long, help: "Simulated workers (one DEALER each).")
    var workers: Int = 200
    @Option(name: .long, help: "Credit per simulated worker.")
    var credit: Int = 16
    @Option(name: .long, help: "The coordinator's --max-queued.")
    var maxQueued: Int = 100_000
    @Option(name: .long, help: "Jobs per SUBMIT message.")
    var batch: Int = 4_096
    @Option(name: .long, help: "SUBMIT messages in flight.")
    var window: Int = 8
    @Option(name: .long, help: "First of two consecutive free TCP ports on 127.0.0.1.")
    var port: Int = 25_655
    @Option(name: .long, help: "Give up after this many seconds.")
    var timeoutSeconds: Int = 900
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var jobs: Int
        var workers: Int
        var maxQueued: Int
        var seconds: Double
        var jobsPerSecond: Double
        var busyReplies: Int
        var submitMessages: Int
        var coordinatorPeakRSSMiB: Double
        var audit: JournalAuditor.Report
    }

    func validate() throws {
        guard jobs > 0, workers > 0, workers <= 10_000, credit > 0, batch > 0, batch <= WireLimits.maxBatch, window > 0 else {
            throw ValidationError("--jobs, --workers (≤ 10000), --credit, --batch (≤ 65536) and --window must be positive")
        }
    }

    func run() throws {
        try Output.runSync {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-load-\(getpid())").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let endpoint = "tcp://127.0.0.1:\(port)"
            let coordinator = try ChildProcess(executable: currentExecutable, arguments: [
                "coordinator", "--bind", endpoint, "--data-dir", dir, "--max-queued", "\(maxQueued)", "--log-level", "warning",
            ], name: "coordinator")
            var coordinatorStopped = false
            defer { if !coordinatorStopped { coordinator.terminate() } }

            let stats = SimulatedWorkerStats()
            let context = try ZMQContext()
            defer { context.terminate() }
            let (count, credit) = (workers, self.credit)
            let thread = try SocketThread<SimulatedWorkers>(context: context, configuration: .init(tickInterval: .milliseconds(100))) { loop in
                try SimulatedWorkers(loop: loop, endpoint: endpoint, count: count, credit: credit, stats: stats)
            }
            try thread.start()
            defer { thread.requestStop(); _ = thread.join() }

            let client = try DroverClient(coordinator: endpoint, timeoutMs: 10_000)
            try waitUntil("\(workers) simulated workers welcomed", seconds: 60) {
                if let s = try? client.query(StatusQuery()) { return s.workers.alive >= count }
                return false
            }
            let start = ContinuousClock.now
            let (busy, messages) = try submitAll(client)
            try waitUntil("all \(jobs) jobs succeeded", seconds: Double(timeoutSeconds)) {
                guard let s = try? client.query(StatusQuery()) else { return false }
                return (s.jobs["succeeded"] ?? 0) >= jobs
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rss = Double(coordinator.peakRSS) / 1_048_576
            coordinator.terminate()
            coordinatorStopped = true
            let audit = try JournalAuditor(dataDir: dir).report
            let report = Report(jobs: jobs, workers: workers, maxQueued: maxQueued, seconds: seconds,
                                jobsPerSecond: Double(jobs) / seconds, busyReplies: busy, submitMessages: messages,
                                coordinatorPeakRSSMiB: rss, audit: audit)
            if output.json {
                try Output.json(report)
            } else {
                Output.line(String(format: "drover load: %d no-op jobs, %d simulated workers, --max-queued %d: %.1f s = %.0f jobs/s",
                                   jobs, workers, maxQueued, seconds, report.jobsPerSecond))
                Output.line("BUSY replies \(busy) (of \(messages) SUBMIT messages), all retried until accepted")
                Output.line(String(format: "coordinator peak RSS %.1f MiB", rss))
                Output.line("journal audit: submitted \(audit.submitted), succeeded \(audit.byState["succeeded"] ?? 0), "
                            + "unfinished \(audit.unfinished), duplicates \(audit.duplicates), duplicate keys \(audit.duplicateKeys): "
                            + (audit.ok ? "ok" : "VIOLATION"))
            }
            let succeeded = audit.byState["succeeded"] ?? 0
            if !audit.ok || audit.submitted != jobs || succeeded != jobs { throw DroverExit.failure }
        }
    }

    /// Pipelined SUBMITs (up to `window` in flight); a BUSY batch is re-sent after the advised delay.
    /// Returns (BUSY replies, SUBMIT messages sent).
    func submitAll(_ client: DroverClient) throws -> (Int, Int) {
        let spec = JobSpec(kind: "noop")
        let outcome = try client.submitMany(count: jobs, batch: batch, window: window, watch: false) {
            Array(repeating: spec, count: $0.count)
        }
        return (outcome.busyReplies, outcome.messagesSent)
    }

    func waitUntil(_ what: String, seconds: Double, _ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CLIError("timed out waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
