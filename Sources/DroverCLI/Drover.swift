import ArgumentParser
import NativeThreads

/// The `drover` root command. Each subcommand is one type in its own file.
@available(macOS 10.15, *)
public struct Drover: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drover",
        abstract: "Drover: automated MLOps — a coordinator and workers over ZeroMQ.",
        discussion: """
        Examples:
          drover demo                  # coordinator + 2 workers, sample workload
          drover up --workers 2        # journal in ./.drover
          drover submit --kind sleep --param ms=50 --count 100 --wait
          drover status --json
          drover train data.csv --label price --model gbdt --out model.drover
        """,
        version: "0.1.0",
        subcommands: [
            // Job system
            DemoCommand.self, UpCommand.self, CoordinatorCommand.self, WorkerCommand.self,
            SubmitCommand.self, LogsCommand.self, StatusCommand.self, JobsCommand.self, WorkersCommand.self,
            CancelCommand.self, ReleaseCommand.self, BenchCommand.self, KeysCommand.self, JournalCommand.self,
            // ML (one step at a time)
            DataCommand.self, ArtifactsCommand.self,
            TrainCommand.self, EvaluateCommand.self, PredictCommand.self,
            // MLOps records
            RunCommand.self, IngestCommand.self, TriggersCommand.self, RunsCommand.self, ModelsCommand.self, LineageCommand.self,
            // Serving
            ServeCommand.self, RolloutCommand.self, FeaturesCommand.self,
            // HTTP API
            TokensCommand.self, WebhooksCommand.self,
        ]
    )

    public init() {}
}

extension Drover {
    /// Like argument-parser's `main()`, but usage errors exit with 2 (DEVELOPERS.md), not 64.
    public static func main() async {
        AllocatorPolicy.apply()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                if !message.isEmpty { Output.error(message) }
                exit(withError: DroverExit.usage)
            }
            exit(withError: error)
        }
    }
}
