import ArgumentParser
import DroverStore
import Foundation

/// `drover journal …`: offline tools over a coordinator's data directory (hidden; for tests).
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Offline checks of a coordinator's journal.",
        shouldDisplay: false,
        subcommands: [JournalAuditCommand.self])
}

struct JournalAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Replay the journal and check exactly-once: no duplicate results, no unfinished or orphaned jobs.",
        discussion: """
        Examples:
          drover journal audit --data-dir .drover
          drover journal audit --data-dir /tmp/run/data --json

        Held (poison) jobs are reported, not counted as violations. Exit code 1 on any violation.
        Run it after the coordinator stopped, or while it runs (reads a consistent snapshot).
        """)

    @Option(name: .long, help: "The coordinator's data directory.")
    var dataDir: String = ".drover"
    @OptionGroup var output: OutputOptions

    func run() throws {
        try Output.runSync {
            guard FileManager.default.fileExists(atPath: dataDir) else {
                throw CLIError.input("no data directory at \(dataDir)")
            }
            let report = try JournalAuditor(dataDir: dataDir).report
            if output.json {
                try Output.json(report)
            } else {
                let states = report.byState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                Output.line("submitted \(report.submitted), finished \(report.finished) (\(states)), held \(report.held)")
                Output.line("unfinished \(report.unfinished), duplicates \(report.duplicates), orphans \(report.orphans), "
                            + "duplicate keys \(report.duplicateKeys); attempts \(report.attempts), requeues \(report.requeues)")
                Output.line(report.ok ? "journal audit: ok" : "journal audit: VIOLATION (e.g. jobs \(report.examples))")
            }
            if !report.ok { throw DroverExit.failure }
        }
    }
}
