import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the cluster summary, or one job with its history and why it is where it is.",
        discussion: """
        Examples:
          drover status                 # workers and job counts per state
          drover status --json          # {"jobs": {"succeeded": N, ...}, "workers": {...}, ...}
          drover status 42              # job 42: state, attempts, worker, metrics, every transition with its cause
        """)

    @Argument(help: "A job id (omit for the cluster summary).")
    var job: JobID?
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try Output.runSync {
            let client = try connection.client()
            if let job {
                let info = try client.query(JobQuery(id: job))
                if output.json { return try Output.json(info) }
                print(info)
            } else {
                let status = try client.query(StatusQuery())
                if output.json { return try Output.json(status) }
                print(status)
            }
        }
    }

    func print(_ s: ClusterStatus) {
        Output.line("coordinator epoch \(s.epoch), up \(String(format: "%.1f", s.uptimeSeconds)) s; journal \(s.journal)")
        Output.line("workers: \(s.workers.alive) alive, \(s.workers.suspect) suspect, \(s.workers.slots) slots")
        let order = JobState.allCases.map(\.name)
        let counts = order.map { "\($0) \(s.jobs[$0] ?? 0)" }.joined(separator: "  ")
        Output.line("jobs: \(counts)")
        if s.rejectedFrames + s.discardedResults > 0 {
            Output.line("protocol: \(s.rejectedFrames) frames rejected (malformed or without a session), \(s.discardedResults) superseded results discarded")
        }
    }

    func print(_ j: JobInfo) {
        if j.kind.isEmpty, j.history.isEmpty { // finished and evicted from the coordinator's memory
            Output.line("job \(j.id)  state \(j.state)")
            Output.line("why: \(j.reason)")
            return
        }
        Output.line("job \(j.id)  kind \(j.kind)  state \(j.state)  attempt \(j.attempt)  priority \(j.priority)")
        if let w = j.worker { Output.line("worker: \(w)") }
        if !j.params.isEmpty { Output.line("params: " + j.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        if !j.tags.isEmpty { Output.line("tags: " + j.tags.joined(separator: ",")) }
        if !j.metrics.isEmpty { Output.line("metrics: " + j.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        if let m = j.message { Output.line("message: \(m)") }
        Output.line("why: \(j.reason)")
        Output.line("history:")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for t in j.history {
            let at = formatter.string(from: Date(timeIntervalSince1970: Double(t.atMs) / 1000))
            Output.line("  \(at)  \(t.state.padding(toLength: 10, withPad: " ", startingAt: 0)) attempt \(t.attempt)  \(t.cause)" + (t.worker.map { "  on \($0)" } ?? ""))
        }
    }
}

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs, newest first.",
        discussion: """
        Examples:
          drover jobs --state running
          drover jobs --state failed --limit 10 --json
        """)

    @Option(name: .long, help: "Only jobs in this state: queued, assigned, running, retry-wait, held, succeeded, failed, cancelled, timed-out.")
    var state: String?
    @Option(name: .long, help: "Most jobs to list.")
    var limit: Int = 50
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let s = state, JobState(name: s) == nil {
            throw ValidationError("--state '\(s)' is not a job state; use one of \(JobState.allCases.map(\.name).joined(separator: ", "))")
        }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        try Output.runSync {
            let jobs = try connection.client().query(JobsQuery(state: state, limit: limit))
            if output.json { return try Output.json(jobs) }
            Output.line("ID".padding(toLength: 10, withPad: " ", startingAt: 0) + "KIND        STATE       ATTEMPT  WORKER")
            for j in jobs {
                Output.line(String(j.id).padding(toLength: 10, withPad: " ", startingAt: 0)
                    + j.kind.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + j.state.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(j.attempt).padding(toLength: 9, withPad: " ", startingAt: 0) + (j.worker ?? "-"))
            }
        }
    }
}

struct WorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "List connected workers.",
        discussion: """
        Examples:
          drover workers
          drover workers --json
        """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try Output.runSync {
            let workers = try connection.client().query(WorkersQuery())
            if output.json { return try Output.json(workers) }
            Output.line("NAME                      STATE    SLOTS  CREDIT  RUNNING  DONE      TAGS")
            for w in workers {
                Output.line(w.name.padding(toLength: 26, withPad: " ", startingAt: 0)
                    + w.state.padding(toLength: 9, withPad: " ", startingAt: 0)
                    + String(w.slots).padding(toLength: 7, withPad: " ", startingAt: 0)
                    + String(w.credit).padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(w.running).padding(toLength: 9, withPad: " ", startingAt: 0)
                    + String(w.completed).padding(toLength: 10, withPad: " ", startingAt: 0)
                    + (w.tags.isEmpty ? "-" : w.tags.joined(separator: ",")))
            }
        }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel jobs; a running job is stopped on its worker.",
        discussion: """
        Examples:
          drover cancel 42
          drover cancel 42 43 44 --json
        """)

    @Argument(help: "Job ids.")
    var jobs: [JobID]
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try runJobCommand(jobs: jobs, connection: connection, json: output.json) { try $0.command(CancelJob(id: $1)) }
    }
}

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a held (poison) job back to the queue.",
        discussion: """
        Examples:
          drover jobs --state held
          drover release 42
        """)

    @Argument(help: "Job ids.")
    var jobs: [JobID]
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try runJobCommand(jobs: jobs, connection: connection, json: output.json) { try $0.command(ReleaseJob(id: $1)) }
    }
}

/// `cancel` and `release`: one command per job id, printing each job's new state.
func runJobCommand(jobs: [JobID], connection: ConnectionOptions, json: Bool,
                   _ command: (DroverClient, JobID) throws -> JobInfo) throws {
    try Output.runSync {
        let client = try connection.client()
        var infos: [JobInfo] = []
        for id in jobs {
            let info = try command(client, id)
            infos.append(info)
            if !json { Output.line("job \(id): \(info.state)") }
        }
        if json { try Output.json(infos) }
    }
}
