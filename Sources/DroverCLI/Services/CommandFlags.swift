import ArgumentParser
import DroverWorker
import Foundation

/// `drover worker` flags that let it run `command` jobs (docs/commands.md). Off by default: a
/// command job is remote code execution by design.
struct CommandFlags: ParsableArguments {
    @Flag(name: .long, help: "Run `command` jobs (programs given by clients allowed to submit them). Off by default.")
    var allowCommands = false

    @Option(name: .customLong("allow-executable"), help: ArgumentHelp(
        "With --allow-commands: only this program may run (repeatable; symlinks resolved). Default: any on PATH.",
        valueName: "path"))
    var allowedExecutables: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "With --allow-commands: a job's cwd must lie inside it; attempt directories go in DIR/.drover-attempts (default: the current directory).",
        valueName: "dir"))
    var commandRoot: String?

    @Flag(name: .long, help: "With --allow-commands: run commands even though this worker runs as root.")
    var allowRootCommands = false

    func validate() throws {
        if !allowCommands, !allowedExecutables.isEmpty || commandRoot != nil || allowRootCommands {
            throw ValidationError("--allow-executable, --command-root and --allow-root-commands need --allow-commands")
        }
    }

    /// The command executor to register, or nil without --allow-commands; refuses to start as root.
    func executor() throws(CLIError) -> CommandExecutor? {
        guard allowCommands else { return nil }
        let policy: CommandPolicy
        do {
            policy = try CommandPolicy(root: commandRoot ?? FileManager.default.currentDirectoryPath,
                                       allowedExecutables: allowedExecutables, allowRoot: allowRootCommands)
        } catch {
            throw .input(error.message)
        }
        if let refusal = policy.refusal {
            throw .input("--allow-commands refused: \(refusal)")
        }
        return CommandExecutor(policy: policy)
    }
}
