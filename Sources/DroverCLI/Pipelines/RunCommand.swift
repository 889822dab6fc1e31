import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation

/// `drover run FILE [--wait]`: starts a pipeline run on the coordinator.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline (YAML) on the coordinator; with --wait, follow it step by step.",
        discussion: """
        Examples:
          drover data add diamonds examples/diamonds/span-1.csv
          drover run examples/diamonds/pipeline.yaml --wait
          drover run examples/diamonds/pipeline.yaml --param trees=5 --wait --json

        The spec is checked before anything runs; a mistake is reported with its
        file, line, column and field. See docs/pipelines.md for the format.
        Exit codes with --wait: 0 promoted (or every step succeeded), 3 not
        promoted (rejected by a gate, or blocked at validation), 1 failed,
        2 bad input (spec error, unknown dataset).
        """)

    @Argument(help: "The pipeline spec (YAML).")
    var file: String
    @Option(name: .customLong("param"), help: ArgumentHelp("Override a pipeline parameter (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Flag(name: .long, help: "Wait for the run to end, printing each step as it progresses.")
    var wait = false
    @Option(name: .long, help: "With --wait: give up after this many seconds (0 = never).")
    var waitTimeout: Int = 0
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        for p in params where !p.contains("=") || p.hasPrefix("=") {
            throw ValidationError("--param '\(p)' must look like NAME=VALUE, e.g. --param trees=50")
        }
    }

    func run() throws {
        try Output.runSync {
            guard let data = FileManager.default.contents(atPath: file), let yaml = String(data: data, encoding: .utf8) else {
                throw CLIError.input("cannot read the pipeline spec \(file)", hint: "check the path; the spec is a YAML file (see docs/pipelines.md)")
            }
            var overrides: [String: String] = [:]
            for p in params {
                let parts = p.split(separator: "=", maxSplits: 1)
                overrides[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            let client = try connection.client()
            let info = try client.command(StartRun(file: file, yaml: yaml, params: overrides))
            if !wait {
                if output.json { try Output.json(info) } else { Output.line("run \(info.id) started (\(info.steps.count) steps); follow it with `drover runs show \(info.id)`") }
                return
            }
            let ended = try RunFollow.follow(info, client: client, json: output.json, waitTimeout: waitTimeout)
            if output.json { try Output.json(ended) }
            let code = ended.exitCode ?? 1
            if code != 0 { throw ExitCode(code) }
        }
    }
}

/// `--wait`: follows a run to its end, printing each step as it progresses, then the verdict.
enum RunFollow {
    static func follow(_ started: RunInfo, client: DroverClient, json: Bool, waitTimeout: Int) throws -> RunInfo {
        var info = started
        if !json { Output.line("run \(info.id): \(info.pipeline) → model \(info.model)") }
        var printer = RunProgress(started: info.startedAtMs)
        let deadline = waitTimeout > 0 ? ContinuousClock.now + .seconds(waitTimeout) : nil
        while true {
            if !json { printer.show(info) }
            if info.isFinished { break }
            if let deadline, ContinuousClock.now > deadline {
                throw CLIError("run \(info.id) still running after \(waitTimeout) s", hint: "follow it with `drover runs show \(info.id)`")
            }
            if let revision = info.revision {
                // The coordinator answers as soon as the run changes (or after a second).
                info = try client.query(RunQuery(id: info.id, revision: revision, waitMs: min(1_000, client.timeoutMs / 2)))
            } else {
                // A coordinator without revisions answers at once: a display's refresh period.
                Thread.sleep(forTimeInterval: 0.2)
                info = try client.query(RunQuery(id: info.id))
            }
        }
        if !json {
            if let warm = info.warmStart { Output.line("warm start: \(warm)") }
            if let verdict = info.verdict {
                Output.line("candidate v\(info.version.map(String.init) ?? "?") against " + (info.champion.map { "champion \($0)" } ?? "no champion (first model)") + ":")
                Output.line(verdict.table)
            }
            Output.line("run \(info.id) \(info.state): \(info.message ?? "")")
        }
        return info
    }
}

/// Prints each step's changes as a run progresses.
struct RunProgress {
    let started: Int64
    var seen: [String: String] = [:]

    mutating func show(_ info: RunInfo) {
        for step in info.steps where step.status != "waiting" {
            let line = RunText.stepLine(step)
            guard seen[step.name] != line else { continue }
            seen[step.name] = line
            let at = Double((step.endedAtMs ?? step.startedAtMs ?? started) - started) / 1000
            Output.line(String(format: "[%6.1fs] ", max(0, at)) + line)
        }
    }
}
