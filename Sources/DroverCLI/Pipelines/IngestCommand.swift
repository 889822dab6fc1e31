import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation
import NativeThreads

/// `drover ingest PIPELINE_OR_MODEL FILE`: a new span, and the pipeline's trigger decides.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add a CSV file as the next span of a pipeline's dataset and let its trigger policy decide whether to retrain.",
        discussion: """
        Examples:
          drover ingest examples/churn/pipeline-retrain.yaml examples/churn/span-1.csv --wait
          drover ingest churn batch-2026-12-01.csv --span batch-2026-12-01 --json
          drover ingest churn new.csv --wait --wait-timeout 600

        The file is registered exactly as `drover data add` registers it (uploaded,
        content-addressed, span N+1 of the pipeline's `span: latest` dataset). Then the
        pipeline's `trigger:` decides (docs/pipelines.md, "Online retraining"): every
        span, drift above a threshold against the training window, or — kept by the
        coordinator — a cron schedule. The output says which rule fired, or why none did,
        and the run started, queued behind the model's run in progress, or joined.
        Given a pipeline file, ingest registers it as the model's pipeline; afterwards
        the model's name is enough.
        Exit codes: 0 (with --wait: promoted, or no run was triggered), 3 not promoted
        (rejected or blocked), 1 failed, 2 bad input (spec error, unknown model or file).
        """)

    @Argument(help: "A pipeline spec (YAML) with `trigger:`, or the name of a model whose pipeline is registered.")
    var pipeline: String
    @Argument(help: "The CSV file: a header row, then one row per line.")
    var file: String
    @Option(name: .long, help: "A label recorded with the span (e.g. the batch's name).")
    var span: String?
    @Option(name: .long, help: "The dataset (its name under `datasets:`) when the pipeline reads several at `span: latest`.")
    var dataset: String?
    @Flag(name: .long, help: "Wait for the triggered run to end, printing each step as it progresses.")
    var wait = false
    @Option(name: .long, help: "With --wait: give up after this many seconds (0 = never).")
    var waitTimeout: Int = 0
    @OptionGroup var upload: SpanUploadOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    /// How long the coordinator may take to decide (it may read the window's spans for drift).
    static let decisionTimeout = Duration.seconds(120)

    /// What `--json` prints: the ingest and, with --wait, the run's end.
    struct Result: Encodable {
        var ingest: IngestInfo
        var run: RunInfo?
    }

    func run() async throws {
        try await Output.run {
            let request = try request()
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw CLIError.input("cannot read \(file)", hint: "check the path")
            }
            let ref = try await upload.store(file, connection: connection)
            let rows = try DataAdd.rows(file)
            let (connection, json, wait, waitTimeout, file) = (connection, output.json, wait, waitTimeout, file)
            try await runOffPool {
                var ask = request
                ask.artifact = ref.description
                ask.rows = rows
                let client = try connection.client()
                let info = try Self.decided(try client.command(ask), client: client)
                if !json { Self.print(info, file: file) }
                guard wait, let id = info.run else {
                    if json { try Output.json(Result(ingest: info)) }
                    return
                }
                let ended = try RunFollow.follow(try client.query(RunQuery(id: id)), client: client, json: json, waitTimeout: waitTimeout)
                if json { try Output.json(Result(ingest: info, run: ended)) }
                let code = ended.exitCode ?? 1
                if code != 0 { throw ExitCode(code) }
            }
        }
    }

    /// A pipeline file's YAML, or a model's name.
    func request() throws -> Ingest {
        let looksLikeFile = pipeline.hasSuffix(".yaml") || pipeline.hasSuffix(".yml") || pipeline.contains("/")
        if looksLikeFile || FileManager.default.fileExists(atPath: pipeline) {
            guard let data = FileManager.default.contents(atPath: pipeline), let yaml = String(data: data, encoding: .utf8) else {
                throw CLIError.input("cannot read the pipeline spec \(pipeline)", hint: "check the path, or give a model's name")
            }
            return Ingest(file: pipeline, yaml: yaml, dataset: dataset, artifact: "", label: span)
        }
        return Ingest(model: pipeline, dataset: dataset, artifact: "", label: span)
    }

    /// Asks until the coordinator has decided (it answers `deciding` at first).
    static func decided(_ first: IngestInfo, client: DroverClient) throws -> IngestInfo {
        var info = first
        let deadline = ContinuousClock.now + decisionTimeout
        while !info.isDecided {
            guard ContinuousClock.now < deadline else {
                throw CLIError("the coordinator has not decided on \(info.id) after \(decisionTimeout)", hint: "ask again later; the span is registered")
            }
            Thread.sleep(forTimeInterval: 0.05) // polling period of a status display, not synchronisation
            info = try client.query(IngestQuery(id: info.id))
        }
        return info
    }

    static func print(_ info: IngestInfo, file: String) {
        Output.line("\(info.dataset) span \(info.span): \(file) (\(info.artifact.prefix(19))…)")
        let rule = info.rule.map { "fired (\($0))" } ?? "no rule fired"
        Output.line("trigger: \(rule): \(info.reason ?? "")")
        switch info.state {
        case "started": Output.line("run \(info.run ?? "?") started")
        case "queued": Output.line("run \(info.run ?? "?") queued behind run \(info.behind ?? "?") (one promotion of model \(info.model) at a time)")
        case "coalesced": Output.line("coalesced into run \(info.run ?? "?"), already waiting behind run \(info.behind ?? "?"); it will read this span")
        default: Output.line("no run")
        }
    }
}
