import ArgumentParser
import DroverArtifacts
import DroverCoordinator
import DroverWorker
import Foundation
import Logging
import NativeThreads
import ServiceLifecycle
import ZeroMQ

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the embedded default: a coordinator and local workers in one process, SQLite under ./.drover.",
        discussion: """
        Examples:
          drover up --workers 2
          drover up --workers 4 --slots 2 --data-dir /tmp/drover
          drover up --allow-commands --command-root "$PWD"    # workers also run command jobs and command steps

        Then, in another terminal:
          drover submit --kind sleep --param ms=50 --count 100 --wait
          drover status
        """)

    @Option(name: .long, help: "Local workers to start.")
    var workers: Int = 2
    @OptionGroup var coordinator: CoordinatorFlags
    @OptionGroup var worker: WorkerFlags
    @OptionGroup(title: "Command jobs") var commandFlags: CommandFlags
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard workers >= 0, workers <= 256 else { throw ValidationError("--workers must be between 0 and 256") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        var options = try await Output.run { try coordinator.options() }
        let logger = logging.bootstrap(label: "drover.up")
        let command = try await Output.run { try await commandFlags.executor(logger: logger) }
        var registry = ExecutorRegistry.builtins
        if let command { registry.register(command) }
        // With CURVE, the in-process workers get a key of their own for this run only.
        let localCurve = try options.security.map { security in
            let keys = try CurveKeyPair.generate()
            options.security?.workers[keys.publicKey] = "local" // worker names are local-PID-N
            return CurveClientKeys(keyPair: keys, serverPublicKey: security.serverKeys.publicKey)
        }
        let services = try await Output.run { try CoordinatorServices(options: &options, flags: coordinator, logger: logger) }
        // In-process workers share the coordinator's artifact store: no transfer needed.
        let workerServices = (0..<workers).map { i in
            var w = WorkerOptions(
                coordinator: options.workerEndpoint.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1"),
                name: "local-\(ProcessInfo.processInfo.processIdentifier)-\(i + 1)", slots: worker.slots,
                prefetch: worker.prefetch, tags: worker.tags, curve: localCurve)
            w.artifacts = services.localArtifacts
            return WorkerService(options: w, registry: registry, logger: logger)
        }
        let count = workers, slots = worker.slots, dataDir = coordinator.dataDir
        try await Output.run {
            try await ServiceRunner.run(services.services + workerServices, logger: logger) {
                let endpoints = try await services.waitUntilReady()
                let ms = Int((ContinuousClock.now - started) / .milliseconds(1))
                Output.error("drover is up in \(ms) ms: \(endpoints); \(count) local worker(s) × \(slots) slot(s); journal in \(dataDir). Ctrl-C to stop.")
            }
        }
        if let cgroups = command?.cgroups, cgroups.isEnabled { try await runOffPool { cgroups.remove() } }
    }
}
