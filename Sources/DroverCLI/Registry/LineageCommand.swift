import ArgumentParser
import DroverCore
import DroverStore
import Foundation

struct LineageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Everything a model version came from: spans, schema, features, params, code version, verdicts.",
        discussion: """
        Walks the metadata store's lineage edges upstream from the version's artifact, through
        every step that produced an input (also steps of earlier runs served from cache).
        Examples:
          drover lineage churn@champion
          drover lineage churn:3 --json
        """)

    @Argument(help: ArgumentHelp("NAME@ALIAS, NAME:VERSION, or NAME (its champion).", valueName: "model"))
    var reference: ModelReference
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var version: ModelVersion
        var run: RunRecord?
        var params: [String: String]
        var graph: LineageGraph
        var verdicts: [StoredVerdict]
    }

    func run() async throws {
        try await Output.run {
            let (store, registry) = try store.open()
            do {
                guard let version = try await reference.resolve(registry, default: ModelRegistry.champion) else {
                    throw CLIError.input("no such model version: \(reference)")
                }
                let run = try await version.runID.asyncMap { try await store.run($0) } ?? nil
                let report = Report(version: version, run: run,
                                    params: try await version.runID.asyncMap { try await store.params(runID: $0) } ?? [:],
                                    graph: try await store.upstream(of: version.artifactDigest),
                                    verdicts: try await registry.verdicts(model: version.model, version: version.version))
                if output.json { return try Output.json(report) }
                print(report)
            } catch { throw cliError(error) }
        }
    }

    func print(_ r: Report) {
        let v = r.version
        Output.line("\(v.model) version \(v.version)" + (v.aliases.isEmpty ? "" : " (@\(v.aliases.joined(separator: ", @")))")
                    + "  artifact \(v.artifactDigest)")
        if let run = r.run {
            Output.line("run \(run.id) (pipeline \(run.pipeline), \(run.status), \(isoTime(run.startedAt)))"
                        + (run.codeVersion.map { ", code version \($0)" } ?? ""))
        } else if let id = v.runID {
            Output.line("run \(id) (not in the metadata store)")
        }
        if !r.params.isEmpty {
            Output.line("params: " + r.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        Output.line("")
        Output.line("artifacts (upstream from the model):")
        for n in r.graph.artifacts {
            var what = n.artifact.map { "\($0.kind)" + ($0.name.isEmpty ? "" : " \($0.name)") + ", \($0.size) bytes" } ?? "artifact"
            if let s = n.span {
                what = "span \(s.span) of dataset \(s.dataset), \(s.rows) rows" + (s.schemaDigest.map { ", schema \($0)" } ?? "")
            }
            Output.line("  \(n.digest)  \(what)" + (n.producedBy.isEmpty ? "" : "  ← \(n.producedBy.joined(separator: ", "))"))
        }
        if !r.graph.executions.isEmpty {
            Output.line("")
            Output.line("executions:")
            for e in r.graph.executions {
                Output.line("  \(e.runID)/\(e.step)" + (e.kind.map { " (\($0))" } ?? "") + ": read \(e.reads.count), wrote \(e.writes.count)")
            }
        }
        for sv in r.verdicts {
            Output.line("")
            Output.line("verdict \(sv.id) against " + (sv.baselineVersion.map { "version \($0)" } ?? "no champion") + ":")
            Output.line(sv.verdict.table)
        }
    }
}
