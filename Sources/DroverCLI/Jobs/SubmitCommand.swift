import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit jobs to the coordinator (and optionally wait for them).",
        discussion: """
        Examples:
          drover submit --kind sleep --param ms=50 --count 1000 --wait
          drover submit --kind echo --param loss=0.3 --priority high --json
          drover submit --kind fail --retries 2 --wait            # fails after 3 attempts
          drover submit --kind noop --tag gpu --idempotency-key nightly-2026-11-28
          drover submit --command --job-timeout 10m --wait -- python3 train.py --epochs 3
          drover submit --command --preload sklearn.ensemble --count 32 -- python3 trial.py   # forks of one warm interpreter

        A command job runs a program on a worker started with --allow-commands (docs/commands.md);
        with --wait its exit status, stderr tail and metrics are shown.
        Built-in kinds: noop, sleep (ms=N), echo (numeric params become metrics), fail (message=TEXT).
        With --wait the exit code is 0 when every job succeeded, 1 otherwise.
        """)

    @Option(name: .long, help: "Job kind: noop, sleep, echo, fail, … (or --command).")
    var kind: String?
    @OptionGroup(title: "Command jobs") var command: CommandJobOptions
    @Option(name: .customLong("param"), help: ArgumentHelp("Job parameter NAME=VALUE (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Option(name: .long, help: "Number of identical jobs to submit.")
    var count: Int = 1
    @Option(name: .long, help: "high, normal or low.")
    var priority: String = "normal"
    @Option(name: .customLong("tag"), help: "Resource tag the worker must offer (repeatable).")
    var tags: [String] = []
    @Option(name: .long, help: "Retries after the job itself fails (worker loss is retried separately).")
    var retries: UInt16 = 0
    @Option(name: .long, help: "Per-attempt time limit in milliseconds (0 = none).")
    var jobTimeoutMs: UInt32 = 0
    @Option(name: .long, help: "Key that makes a resubmission return the same job (with --count N, KEY-1 … KEY-N).")
    var idempotencyKey: String?
    @Flag(name: .long, help: "Wait until every job ends; show progress and a summary.")
    var wait = false
    @Option(name: .long, help: "With --wait: give up after this many milliseconds (0 = never).")
    var waitTimeoutMs: Int = 0
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if command.isCommand == (kind != nil) {
            throw ValidationError(kind == nil ? "give a job kind (--kind noop) or a command (--command -- python3 train.py)"
                                              : "--kind \(kind ?? "") and --command contradict each other: choose one")
        }
        guard count >= 1, count <= 100_000_000 else { throw ValidationError("--count must be between 1 and 100000000") }
        guard Priority(name: priority) != nil else { throw ValidationError("--priority must be high, normal or low, got '\(priority)'") }
        for p in params where !p.contains("=") || p.hasPrefix("=") {
            throw ValidationError("--param '\(p)' must look like NAME=VALUE, e.g. --param ms=50")
        }
    }

    struct Summary: Codable {
        var submitted: Int
        var firstID: JobID?
        var lastID: JobID?
        var jobs: [String: Int]?
        var seconds: Double
        var jobsPerSecond: Double?
    }

    func run() throws {
        try Output.runSync {
            var parameters: [String: String] = [:]
            for p in params {
                let parts = p.split(separator: "=", maxSplits: 1)
                parameters[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            if command.isCommand { parameters.merge(try command.params()) { _, command in command } }
            let spec = JobSpec(kind: kind ?? "command", params: parameters, priority: Priority(name: priority) ?? .normal,
                               tags: tags, maxRetries: retries, timeoutMs: command.jobTimeoutMs ?? jobTimeoutMs)
            let client = try connection.client()
            let start = ContinuousClock.now
            var submitLine = ProgressLine(total: count, label: "submitted")
            var waitLine = ProgressLine(total: count, label: "done")
            var submitShown = false
            let outcome = try client.submitMany(count: count, watch: wait, waitTimeoutMs: waitTimeoutMs, specs: { range in
                range.map { i in
                    var s = spec
                    if let key = idempotencyKey { s.idempotencyKey = count == 1 ? key : "\(key)-\(i + 1)" }
                    return s
                }
            }, progress: { p in
                if !submitShown {
                    submitLine.update(p.accepted)
                    guard p.accepted == p.total else { return }
                    submitLine.update(p.total, force: true)
                    submitLine.finish()
                    submitShown = true
                    waitLine = ProgressLine(total: p.distinctJobs, label: "done")
                }
                guard wait else { return }
                let detail = p.ended.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.name)" }
                waitLine.update(p.endedCount, detail: "(" + detail.joined(separator: ", ") + ")")
            })
            let ids = outcome.ids
            var summary = Summary(submitted: ids.count, firstID: ids.min(), lastID: ids.max(), jobs: nil, seconds: 0)
            var allSucceeded = true
            if wait {
                waitLine.update(waitLine.total, force: true)
                waitLine.finish()
                summary.jobs = Dictionary(uniqueKeysWithValues: outcome.ended.map { ($0.key.name, $0.value) })
                allSucceeded = outcome.ended.keys.allSatisfy { $0 == .succeeded }
            }
            let elapsed = ContinuousClock.now - start
            summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if wait, summary.seconds > 0 { summary.jobsPerSecond = Double(ids.count) / summary.seconds }
            if command.isCommand, wait, count == 1 {
                return try command.report(try client.query(JobQuery(id: ids[0])), json: output.json)
            }
            if output.json {
                try Output.json(summary)
            } else {
                let range = ids.count == 1 ? "job \(ids[0])" : "jobs \(summary.firstID ?? 0)–\(summary.lastID ?? 0)"
                if let jobs = summary.jobs {
                    let states = jobs.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    Output.line(String(format: "%d jobs (%@): %@ in %.2f s (%.0f jobs/s)", ids.count, range, states,
                                       summary.seconds, summary.jobsPerSecond ?? 0))
                } else {
                    Output.line("submitted \(ids.count) job(s): \(range)")
                }
            }
            if !allSucceeded { throw DroverExit.failure }
        }
    }
}
