import ArgumentParser
import DroverWorker
import Foundation
import Logging
import NativeThreads

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

    @Option(name: .long, help: ArgumentHelp(
        "With --allow-commands: put attempts' cgroups under this cgroup (e.g. /drover) instead of the worker's own.",
        valueName: "path"))
    var cgroupRoot: String?

    @Flag(name: .long, help: "With --allow-commands: no cgroups; limits are rlimits only.")
    var noCgroups = false

    func validate() throws {
        if !allowCommands, !allowedExecutables.isEmpty || commandRoot != nil || allowRootCommands || cgroupRoot != nil || noCgroups {
            throw ValidationError("--allow-executable, --command-root, --allow-root-commands, --cgroup-root and --no-cgroups need --allow-commands")
        }
        if noCgroups, cgroupRoot != nil { throw ValidationError("--cgroup-root and --no-cgroups contradict each other") }
    }

    /// The command executor to register, or nil without --allow-commands; refuses to start as
    /// root. Sets up its cgroups (off the cooperative pool: file I/O) and logs which limits apply.
    func executor(logger: Logger) async throws -> CommandExecutor? {
        guard let executor = try executor() else { return nil }
        let root = cgroupRoot, off = noCgroups
        let cgroups = off ? WorkerCgroups.disabled : try await runOffPool { WorkerCgroups.setUp(root: root) }
        logger.info("command jobs: limits by \(off ? "rlimits (--no-cgroups)" : cgroups.description)")
        return CommandExecutor(policy: executor.policy, cgroups: cgroups)
    }

    /// The command executor to register (without cgroups), or nil without --allow-commands; refuses to start as root.
    private func executor() throws(CLIError) -> CommandExecutor? {
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
