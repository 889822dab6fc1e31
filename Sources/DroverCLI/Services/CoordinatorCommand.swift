import ArgumentParser
import DroverCore
import DroverCoordinator
import DroverStore
import Logging
import ServiceLifecycle

/// Coordinator settings shared by `drover coordinator` and `drover up`.
struct CoordinatorFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Worker endpoint to bind; clients use the next port.", valueName: "endpoint"))
    var bind: String = Endpoint.defaultCoordinator

    @Option(name: .long, help: ArgumentHelp("Client endpoint to bind (default: the --bind port + 1).", valueName: "endpoint"))
    var clientBind: String?

    @Option(name: .long, help: "Directory for the journal (SQLite, WAL).")
    var dataDir: String = ".drover"

    @Option(name: .long, help: "Journal durability: 'process' survives kill -9 (WAL, synchronous=NORMAL); 'fsync' also survives power loss.")
    var sync: String = "process"

    @Option(name: .long, help: "Heartbeat interval in milliseconds (3 missed → suspect).")
    var heartbeatMs: Int64 = 1_000

    @Option(name: .long, help: "Lease in milliseconds: a silent worker is declared dead after this and its jobs re-queued.")
    var leaseMs: Int64 = 10_000

    @Option(name: .long, help: "Most jobs waiting before submissions are answered 'busy'.")
    var maxQueued: Int = 1_000_000

    @Option(name: .long, help: "Base of the exponential retry backoff after a job failure, in milliseconds.")
    var retryBackoffMs: Int64 = 1_000

    func validate() throws {
        guard bind.contains("://") else { throw ValidationError("--bind must be an endpoint such as tcp://0.0.0.0:5555") }
        guard SQLiteJournal.Durability(rawValue: sync) != nil else { throw ValidationError("--sync must be 'process' or 'fsync'") }
        guard heartbeatMs >= 10, leaseMs > heartbeatMs * 3 else {
            throw ValidationError("--heartbeat-ms must be ≥ 10 and --lease-ms more than 3 heartbeats")
        }
        guard maxQueued > 0 else { throw ValidationError("--max-queued must be positive") }
    }

    var options: CoordinatorOptions {
        var config = CoordinatorConfig()
        config.heartbeatMs = heartbeatMs
        config.leaseMs = leaseMs
        config.maxQueued = maxQueued
        config.backoff = Backoff(baseMs: retryBackoffMs, capMs: max(retryBackoffMs, 600_000))
        return CoordinatorOptions(workerEndpoint: bind, clientEndpoint: clientBind, dataDirectory: dataDir,
                                  durability: SQLiteJournal.Durability(rawValue: sync) ?? .process, core: config)
    }
}

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a coordinator: journal, scheduler and the worker and client sockets.",
        discussion: """
        Examples:
          drover coordinator                                   # tcp://127.0.0.1:5555, journal in ./.drover
          drover coordinator --bind tcp://0.0.0.0:5555 --data-dir /var/lib/drover --sync fsync

        Workers connect to the --bind endpoint; clients (submit, status, …) to the next port.
        SIGTERM or Ctrl-C commits what is pending and stops.
        """)

    @OptionGroup var flags: CoordinatorFlags
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap(label: "drover.coordinator")
        let service = CoordinatorService(options: flags.options, logger: logger)
        try await ServiceRunner.run([service], logger: logger) {
            let endpoints = try await service.waitUntilReady()
            Output.error("coordinator ready: \(endpoints); journal in \(flags.dataDir)")
        }
    }
}
