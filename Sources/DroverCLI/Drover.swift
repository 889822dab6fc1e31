import ArgumentParser

/// The `drover` root command. Each subcommand is one type in its own file.
@available(macOS 10.15, *)
public struct Drover: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drover",
        abstract: "Drover: automated MLOps — a coordinator and workers over ZeroMQ.",
        discussion: """
        Quick start:
          drover up --workers 2          # coordinator + 2 local workers, state in ./.drover
          drover submit --kind sleep --param ms=50 --count 100 --wait
        """,
        version: "0.1.0",
        subcommands: [
            // Job system
            // ML (one step at a time)
            DataCommand.self,
            TrainCommand.self, EvaluateCommand.self, PredictCommand.self,
            // Temporary (ml-models branch): the lead mounts BenchMLModels under `drover bench`.
            BenchMLModels.self,
        ]
    )

    public init() {}
}
