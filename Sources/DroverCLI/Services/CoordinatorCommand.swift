import ArgumentParser
import DroverCore
import DroverCoordinator
import DroverProtocol
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

    @Option(name: .long, help: "Finished jobs kept in memory with their history; older ones keep only their final state (the journal keeps everything).")
    var retainFinished: Int = 200_000

    @Option(name: .long, help: "Journal records between two snapshots (journal compaction: a restart replays the snapshot and the records after it); 0 = never.")
    var compactEvery: Int = 500_000

    @Option(name: .long, help: ArgumentHelp("The coordinator's CURVE secret key (NAME.key, mode 0600): encrypts and authenticates both sockets. Needs --allow-workers and --allow-clients.", valueName: "file"))
    var curveSecret: String?

    @Option(name: .long, help: ArgumentHelp("Public keys of workers allowed on the worker socket, one 'KEY [NAME]' per line (cat w1.pub w2.pub > FILE).", valueName: "file"))
    var allowWorkers: String?

    @Option(name: .long, help: ArgumentHelp("Public keys of clients allowed to submit, query and cancel, one 'KEY [NAME]' per line.", valueName: "file"))
    var allowClients: String?

    @Option(name: .long, help: ArgumentHelp("Public keys of clients also allowed to submit command jobs (programs run on workers with --allow-commands), one 'KEY [NAME]' per line. Needs --curve-secret.", valueName: "file"))
    var allowCommandClients: String?

    @Flag(name: .long, help: "Allow binding a non-loopback address without CURVE keys (plaintext, unauthenticated: trusted networks only).")
    var insecure = false

    @OptionGroup var artifactServer: ArtifactServerFlags
    @OptionGroup var web: WebFlags

    func validate() throws {
        let keyFlags = [curveSecret, allowWorkers, allowClients].compactMap { $0 }.count
        guard keyFlags == 0 || keyFlags == 3 else {
            throw ValidationError("--curve-secret, --allow-workers and --allow-clients go together: give all three (see drover keys --help)")
        }
        if allowCommandClients != nil, keyFlags != 3 {
            throw ValidationError("--allow-command-clients needs CURVE: give --curve-secret, --allow-workers and --allow-clients too")
        }
        if keyFlags == 3, insecure { throw ValidationError("--insecure contradicts --curve-secret: choose one") }
        guard bind.contains("://") else { throw ValidationError("--bind must be an endpoint such as tcp://0.0.0.0:5555") }
        guard SQLiteJournal.Durability(rawValue: sync) != nil else { throw ValidationError("--sync must be 'process' or 'fsync'") }
        guard heartbeatMs >= 10, leaseMs > heartbeatMs * 3 else {
            throw ValidationError("--heartbeat-ms must be ≥ 10 and --lease-ms more than 3 heartbeats")
        }
        guard maxQueued > 0 else { throw ValidationError("--max-queued must be positive") }
        guard retainFinished >= 1 else { throw ValidationError("--retain-finished must be at least 1") }
        guard compactEvery >= 0 else { throw ValidationError("--compact-every must be 0 (never) or a number of journal records") }
        try checkExposure()
    }

    /// Whether the endpoints are exposed beyond loopback without keys (exit 2 before anything starts).
    func checkExposure() throws {
        let endpoints = [bind, clientBind ?? Endpoint.clientEndpoint(forWorkerEndpoint: bind)]
        if let refusal = BindExposure.refusal(endpoints: endpoints, secured: curveSecret != nil, insecure: insecure) {
            throw ValidationError(refusal)
        }
        try artifactServer.checkExposure(bind: bind, secured: curveSecret != nil, insecure: insecure)
        try web.checkExposure(secured: curveSecret != nil, insecure: insecure)
    }

    /// Loads the keys (permission-checked) and builds the options.
    func options() throws(CLIError) -> CoordinatorOptions {
        var security: CoordinatorSecurity?
        if let curveSecret, let allowWorkers, let allowClients {
            security = CoordinatorSecurity(
                serverKeys: try KeyFiles.loadSecret(curveSecret, flag: "--curve-secret"),
                workers: try KeyFiles.loadAllowList(allowWorkers, flag: "--allow-workers"),
                clients: try KeyFiles.loadAllowList(allowClients, flag: "--allow-clients"),
                commandClients: try allowCommandClients.map { (path) throws(CLIError) in
                    try KeyFiles.loadAllowList(path, flag: "--allow-command-clients")
                } ?? [:])
        }
        var options = plainOptions
        options.security = security
        options.insecure = insecure
        return options
    }

    private var plainOptions: CoordinatorOptions {
        var config = CoordinatorConfig()
        config.heartbeatMs = heartbeatMs
        config.leaseMs = leaseMs
        config.maxQueued = maxQueued
        config.retainFinished = retainFinished
        config.backoff = Backoff(baseMs: retryBackoffMs, capMs: max(retryBackoffMs, 600_000))
        var options = CoordinatorOptions(workerEndpoint: bind, clientEndpoint: clientBind, dataDirectory: dataDir,
                                         durability: SQLiteJournal.Durability(rawValue: sync) ?? .process, core: config)
        options.compactEvery = compactEvery
        return options
    }
}

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a coordinator: journal, scheduler and the worker and client sockets.",
        discussion: """
        Examples:
          drover coordinator                                   # tcp://127.0.0.1:5555, journal in ./.drover
          drover coordinator --bind tcp://0.0.0.0:5555 --data-dir /var/lib/drover --sync fsync \\
            --curve-secret keys/coordinator.key --allow-workers workers.allow --allow-clients clients.allow
          drover coordinator --bind tcp://10.0.0.5:5555 --insecure   # plaintext: trusted networks only

        A non-loopback --bind needs CURVE keys (drover keys generate; docs/security.md) or --insecure.

        Workers connect to the --bind endpoint; clients (submit, status, …) to the next port;
        artifacts are served over HTTP on the port after that (--artifacts-bind).
        SIGTERM or Ctrl-C commits what is pending and stops.
        """)

    @OptionGroup var flags: CoordinatorFlags
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await Output.run {
            var options = try flags.options()
            let logger = logging.bootstrap(label: "drover.coordinator")
            // Counted before the pipeline runner adds its own in-process client key.
            let secured = options.security.map { "CURVE, \($0.workers.count) worker key(s), \($0.clients.count) client key(s)" }
                ?? "no CURVE keys (plaintext)"
            let services = try CoordinatorServices(options: &options, flags: flags, logger: logger)
            try await ServiceRunner.run(services.services, logger: logger) {
                let endpoints = try await services.waitUntilReady()
                Output.error("coordinator ready: \(endpoints); \(secured); journal in \(flags.dataDir)")
            }
        }
    }
}
