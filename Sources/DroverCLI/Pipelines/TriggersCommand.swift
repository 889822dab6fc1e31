import ArgumentParser
import DroverProtocol
import Foundation

/// `drover triggers list`: the trigger journal of online retraining.
struct TriggersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triggers",
        abstract: "The decisions of the pipelines' retraining triggers (docs/pipelines.md, \"Trigger decisions\").",
        discussion: """
        Examples:
          drover triggers list
          drover triggers list --model churn --limit 5 --json
        """,
        subcommands: [TriggersList.self])
}

struct TriggersList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List trigger decisions, newest first: each ingested span and each due instant of a schedule, whether a run started and why.",
        discussion: """
        Examples:
          drover triggers list
          drover triggers list --model churn --limit 5
          drover triggers list --model churn --json | jq '.[] | select(.outcome == "held") | .reason'

        Each decision was journaled by the coordinator (<data-dir>/pipelines/triggers.jsonl)
        before anyone was told of it; a restarted coordinator neither loses nor repeats one.
        Outcomes: started (a run began), queued (a run waits for the model's run in
        progress), coalesced (joined the run already waiting), held (no run: the reason
        says why), deciding (journaled, not decided yet).
        Exit codes: 0 listed (also when empty), 1 the coordinator did not answer,
        2 bad input.
        """)

    @Option(name: .long, help: "Only this model's decisions.")
    var model: String?
    @Option(name: .long, help: "At most this many decisions.")
    var limit: Int = 20
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if limit <= 0 { throw ValidationError("--limit must be positive, got \(limit)") }
    }

    func run() throws {
        try Output.runSync {
            let decisions = try connection.client().query(TriggersQuery(model: model, limit: limit))
            if output.json { return try Output.json(decisions) }
            if decisions.isEmpty {
                return Output.line("no trigger decisions" + (model.map { " for model \($0)" } ?? "")
                    + " yet; they come with `drover ingest` and a pipeline's `trigger: { schedule: … }`")
            }
            Output.line(columns(["#", "decided", "model", "on", "spans", "outcome", "rule", "run", "reason"], decisions.map { d in
                [String(d.seq), isoTime(Double(d.atMs) / 1000), d.model, d.event, d.spans.joined(separator: ", "),
                 d.outcome + (d.recovered == true ? " (recovered)" : ""), d.rule ?? "-",
                 d.run.map { $0 + (d.behind.map { " behind \($0)" } ?? "") } ?? "-", d.reason]
            }))
        }
    }
}
