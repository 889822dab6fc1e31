import ArgumentParser
import DroverCore
import DroverStore
import Foundation

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "The model registry: versions, aliases, promotion and rollback (docs/registry.md).",
        discussion: """
        Examples:
          drover models list                    # models, versions, aliases
          drover models show churn@champion     # metrics, run, verdicts
          drover models promote churn 7 --reason "schema changed"
          drover models rollback churn          # undo the last champion move
        """,
        subcommands: [ModelsList.self, ModelsShow.self, ModelsRegister.self, ModelsPromote.self, ModelsRollback.self])
}

struct ModelsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List models, or the versions of one model.",
        discussion: """
        Examples:
          drover models list
          drover models list churn --json
        """)

    @Argument(help: "A model name (omit for every model).")
    var name: String?
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            let (_, registry) = try store.open()
            do {
                if let name {
                    let versions = try await registry.versions(model: name)
                    if output.json { return try Output.json(versions) }
                    Output.line(columns(["version", "aliases", "created", "run", "metrics", "artifact"], versions.map { v in
                        [String(v.version), v.aliases.joined(separator: ","), isoTime(v.createdAt), v.runID ?? "-",
                         metricsText(v.metrics), v.artifactDigest]
                    }))
                } else {
                    let models = try await registry.models()
                    if output.json { return try Output.json(models) }
                    if models.isEmpty { return Output.line("no models yet; a pipeline's train step registers them") }
                    Output.line(columns(["model", "versions", "latest", "aliases"], models.map { m in
                        [m.name, String(m.versions), m.latestVersion.map(String.init) ?? "-",
                         m.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
                    }))
                }
            } catch { throw cliError(error) }
        }
    }
}

struct ModelsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a model version with its verdicts and alias history.",
        discussion: """
        NAME alone shows the champion (or the latest version when there is none).
        Examples:
          drover models show churn@champion
          drover models show churn:3 --json
        """)

    @Argument(help: ArgumentHelp("NAME, NAME@ALIAS or NAME:VERSION.", valueName: "model"))
    var reference: ModelReference
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    struct Shown: Encodable {
        var version: ModelVersion
        var verdicts: [StoredVerdict]
        var aliasHistory: [AliasMove]
        /// Decisions taken while serving: rollouts ended, SRM alarms, champion-guard rollbacks.
        var events: [ModelEvent]
    }

    func run() async throws {
        try await Output.run {
            let (_, registry) = try store.open()
            do {
                var version = try await reference.resolve(registry)
                if version == nil {
                    version = try await registry.champion(model: reference.model)
                }
                if version == nil, let latest = try await registry.versions(model: reference.model).first { version = latest }
                guard let version else { throw CLIError.input("model \(reference.model) has no versions yet") }
                let shown = Shown(version: version,
                                  verdicts: try await registry.verdicts(model: version.model, version: version.version),
                                  aliasHistory: try await registry.aliasHistory(model: version.model),
                                  events: try await registry.events(model: version.model))
                if output.json { return try Output.json(shown) }
                print(shown)
            } catch { throw cliError(error) }
        }
    }

    func print(_ s: Shown) {
        let v = s.version
        Output.line("\(v.model) version \(v.version)" + (v.aliases.isEmpty ? "" : "  (@\(v.aliases.joined(separator: ", @")))"))
        Output.line("artifact:  \(v.artifactDigest)")
        Output.line("run:       \(v.runID ?? "-")")
        Output.line("created:   \(isoTime(v.createdAt))")
        Output.line("metrics:   \(metricsText(v.metrics))")
        if v.signature != "{}" { Output.line("signature: \(v.signature)") }
        for sv in s.verdicts {
            Output.line("")
            Output.line("verdict \(sv.id) (\(isoTime(sv.createdAt)), run \(sv.runID ?? "-"), against "
                        + (sv.baselineVersion.map { "version \($0)" } ?? "no champion") + "):")
            Output.line(sv.verdict.table)
        }
        if !s.aliasHistory.isEmpty {
            Output.line("")
            Output.line("alias history:")
            Output.line(columns(["when", "alias", "move", "kind", "who", "why"], s.aliasHistory.map(moveRow)))
        }
        if !s.events.isEmpty {
            Output.line("")
            Output.line("serving events:")
            Output.line(columns(["when", "event", "version", "traffic to", "who", "why"], s.events.map { e in
                [isoTime(e.at), e.kind.rawValue, e.version.map(String.init) ?? "-", e.toVersion.map(String.init) ?? "-", e.actor, e.reason]
            }))
        }
    }
}

struct ModelsPromote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Move an alias (champion by default) to a version.",
        discussion: """
        With a passing verdict for this version against the current champion, the promotion is
        recorded with that verdict. Without one, --reason is required and the move is recorded as
        forced, with who and why. Exit 0 moved, 2 bad input (unknown model/version, no reason).
        Examples:
          drover models promote churn 7 --reason "new features; metrics not comparable with v6"
          drover models promote churn 8 --alias challenger --reason "shadow traffic"
        """)

    @Argument(help: "The model name.")
    var name: String
    @Argument(help: "The version to promote.")
    var version: Int
    @Option(name: .long, help: "Why (required without a passing verdict; recorded in the audit).")
    var reason: String?
    @Option(name: .long, help: "The alias to move.")
    var alias: String = ModelRegistry.champion
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if version <= 0 { throw ValidationError("VERSION must be a positive integer, got \(version)") }
    }

    func run() async throws {
        try await Output.run {
            let (_, registry) = try store.open()
            do {
                let result = try await registry.promoteByHand(model: name, version: version, alias: alias, reason: reason,
                                                              actor: Actor.current)
                if alias != ModelRegistry.champion, let move = result.move {
                    if output.json { return try Output.json(move) }
                    return Output.line(moveLine(move))
                }
                if output.json { return try Output.json(result) }
                if let move = result.move { Output.line(moveLine(move)) } else { Output.line(result.note ?? "nothing changed") }
            } catch { throw cliError(error) }
        }
    }
}

struct ModelsRollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Point the champion (or another alias) back at the version it held before its last move.",
        discussion: """
        Examples:
          drover models rollback churn
          drover models rollback churn --to 3 --reason "v4 misbehaves on weekend traffic"
        """)

    @Argument(help: "The model name.")
    var name: String
    @Option(name: .long, help: "Roll back to this version instead of the previous one.")
    var to: Int?
    @Option(name: .long, help: "Why (recorded in the audit).")
    var reason: String = "rollback"
    @Option(name: .long, help: "The alias to move back.")
    var alias: String = ModelRegistry.champion
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            let (_, registry) = try store.open()
            do {
                let move = try await registry.rollback(model: name, alias: alias, to: to, actor: Actor.current, reason: reason)
                if output.json { return try Output.json(move) }
                Output.line(moveLine(move))
            } catch { throw cliError(error) }
        }
    }
}

func metricsText(_ m: [String: Double]) -> String {
    m.isEmpty ? "-" : m.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.6g", $0.value))" }.joined(separator: " ")
}

func moveRow(_ m: AliasMove) -> [String] {
    [isoTime(m.at), "@\(m.alias)", "\(m.fromVersion.map(String.init) ?? "-") → \(m.toVersion)", m.kind.rawValue, m.actor, m.reason]
}

func moveLine(_ m: AliasMove) -> String {
    "\(m.model)@\(m.alias): \(m.fromVersion.map { "version \($0)" } ?? "(none)") → version \(m.toVersion) (\(m.kind.rawValue) by \(m.actor): \(m.reason))"
}
