import ArgumentParser
import DroverArtifacts
import DroverWorker
import Foundation
import Logging
import NativeThreads

/// Worker settings shared by `drover worker` and `drover up`.
struct WorkerFlags: ParsableArguments {
    @Option(name: .long, help: "Jobs run at the same time.")
    var slots: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: """
        Extra jobs held ready beyond the slots (hides dispatch latency for short jobs). Default: adaptive, \
        from = slots up to 4096, about 2 ms of work per slot at the measured job duration. A value fixes it.
        """)
    var prefetch: Int?

    @Option(name: .customLong("tag"), help: "Resource tag this worker offers (repeatable), e.g. --tag gpu.")
    var tags: [String] = []

    func validate() throws {
        guard slots > 0, slots <= 4_096 else { throw ValidationError("--slots must be between 1 and 4096") }
        if let p = prefetch, p < 0 || p > 1_000_000 { throw ValidationError("--prefetch must be between 0 and 1000000") }
        if let bad = tags.first(where: { $0.isEmpty || $0.contains(",") }) {
            throw ValidationError("--tag '\(bad)' must be a single non-empty word without commas")
        }
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker that takes jobs from a coordinator.",
        discussion: """
        Examples:
          drover worker                                          # to tcp://127.0.0.1:5555
          drover worker --connect tcp://coord-host:5555 --slots 4 --tag gpu
          drover worker --connect tcp://coord-host:5555 --curve-secret keys/worker1.key --server-key keys/coordinator.pub
          drover worker --connect tcp://coord-host:5555 --cache-dir /var/cache/drover --cache-size 50G
          drover worker --allow-commands --command-root ~/project --allow-executable /usr/bin/python3

        Without --artifacts-dir, jobs fetch artifacts from the coordinator's artifact server
        (its host, port + 2, or --artifacts) into the cache, checking each digest on arrival,
        and upload their outputs there.

        With --allow-commands, each command attempt gets cgroups of its own where the worker can
        write them (root, or a delegated cgroup v2 subtree): memory and CPU limits, OOM kills
        reported as such, every descendant killed at the end; otherwise rlimits. The start-up log
        says which applies (docs/commands.md, "Limits").

        SIGTERM or Ctrl-C drains: no new work, unstarted jobs are handed back, running jobs
        get 10 s to finish (--drain-grace-ms), then the worker says goodbye.
        """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var flags: WorkerFlags
    @OptionGroup var artifactFlags: ArtifactClientFlags
    @OptionGroup(title: "Command jobs") var commandFlags: CommandFlags
    @Option(name: .long, help: "Unique worker name (default: host-pid).")
    var name: String?
    @Option(name: .long, help: "Milliseconds running jobs get to finish on shutdown.")
    var drainGraceMs: Int64 = 10_000
    @Flag(name: .long, help: .hidden)
    var allowTestKinds = false
    @Option(name: .long, help: ArgumentHelp(
        "Read and write pipeline artifacts in this data directory's artifact store (a worker on the coordinator's host, or one sharing its disk).",
        valueName: "dir"))
    var artifactsDir: String?
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if artifactsDir != nil, let url = artifactFlags.artifacts {
            throw ValidationError("--artifacts-dir and --artifacts \(url) contradict each other: a store on this disk, or the server; choose one")
        }
    }

    func run() async throws {
        try await Output.run {
            let curve = try connection.curveKeys()
            let logger = logging.bootstrap(label: "drover.worker")
            let command = try await commandFlags.executor(logger: logger)
            var options = WorkerOptions(coordinator: connection.coordinator, name: name, slots: flags.slots,
                                        prefetch: flags.prefetch, tags: flags.tags, drainGraceMs: drainGraceMs,
                                        curve: curve)
            if let artifactsDir {
                do {
                    options.artifacts = LocalArtifacts(store: try ArtifactStore(dataDirectory: artifactsDir))
                } catch {
                    throw CLIError.input("--artifacts-dir \(artifactsDir): \(error)", hint: "pass the coordinator's data directory")
                }
            } else {
                do {
                    options.artifacts = try await artifactFlags.access(coordinator: connection.coordinator)
                } catch {
                    throw CLIError("cannot open the artifact cache \(artifactFlags.cacheDir): \(error)", hint: "pass another --cache-dir")
                }
            }
            var registry: ExecutorRegistry = allowTestKinds ? .withTestKinds : .builtins
            if let command { registry.register(command) }
            try await ServiceRunner.run([WorkerService(options: options, registry: registry, logger: logger)],
                                        logger: logger) {}
            if let cgroups = command?.cgroups, cgroups.isEnabled { try await runOffPool { cgroups.remove() } }
        }
    }
}
