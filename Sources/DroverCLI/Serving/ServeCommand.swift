import ArgumentParser
import DroverCoordinator
import DroverHTTP
import DroverML
import DroverServing
import DroverStore
import Foundation
import NativeThreads

/// `drover serve MODEL --http ADDR`: answers predictions for MODEL@champion (or another alias, or
/// a pinned version) and follows alias moves without a restart (docs/serving.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a registered model over HTTP; follows its alias and runs its rollouts.",
        discussion: """
        Loads MODEL@champion from the registry of --data-dir and answers
        POST /v1/models/MODEL/predict with {"rows":[{...}]}. Every request is checked against
        the model's signature (400 naming the field). When the alias moves (a promotion, a
        rollback) the new version is loaded beside the old one and swapped in: no request fails.
        If the new champion then fails more than --rollback-error-rate of its first 20 requests
        (e.g. its signature no longer matches what clients send) the alias is rolled back.
        A rollout started with `drover rollout` is picked up within --poll-ms. Several replicas
        may serve one model. Also: /healthz, /readyz, /metrics (Prometheus), GET /v1/models/MODEL,
        POST /v1/models/MODEL/outcomes. Exit 0 after SIGTERM, 1 cannot serve, 2 bad input.

        Examples:
          drover serve churn --http 127.0.0.1:8081
          curl -d '{"rows":[{"tenure_months":8,"monthly_spend":87.8,"support_tickets":1,"plan":"plus","region":"west"}]}' \\
               http://127.0.0.1:8081/v1/models/churn/predict
          drover serve churn --version 3 --http 127.0.0.1:8082     # pinned: ignores alias moves
          drover serve churn --features churn_features             # {"rows":[{"customer_id":42, …}]}
        """)

    @Argument(help: "The registered model's name.")
    var model: String
    @Option(name: .long, help: ArgumentHelp("Listen on HOST:PORT (port 0 picks a free one).", valueName: "address"))
    var http: String = "127.0.0.1:8081"
    @Option(name: .long, help: "Serve the version this alias points at (followed).")
    var alias: String = ModelRegistry.champion
    @Option(name: .long, help: "Serve this version and never follow the alias.")
    var version: Int?
    @Flag(name: .long, help: "Allow plain HTTP on a non-loopback address (trusted networks only).")
    var insecure = false
    @Option(name: .long, help: "Milliseconds between registry polls (alias moves, rollouts).")
    var pollMs: Int = 200
    @Option(name: .long, help: "Milliseconds between rollout decisions.")
    var decideMs: Int = 1_000
    @Option(name: .long, help: "Largest request body in bytes.")
    var maxBodyBytes: Int = 1 << 20
    @Option(name: .long, help: "Threads answering HTTP, each predicting small requests itself (default: one per core). Fewer than the cores leaves room for other processes on the machine, such as a load generator.")
    var eventLoops: Int?
    @Option(name: .long, help: "Close a client connection that sends nothing for this many seconds between requests (0: never).")
    var idleTimeout: Int = 60
    @Option(name: .long, help: "Most rows predicted in one batch.")
    var maxBatchRows: Int = 4_096
    @Option(name: .long, help: "Requests of at most this many rows are predicted on the event loop that read them (0: all go to the batch thread).")
    var inlineRows: Int = 16
    @Option(name: .long, help: ArgumentHelp("Fill rows that carry this feature view's entity key from the online store (repeatable).",
                                            valueName: "view"))
    var features: [String] = []
    @Option(name: .long, help: ArgumentHelp("Training data (CSV) to compare live inputs with: GET /v1/models/MODEL/drift.", valueName: "csv"))
    var reference: String?
    @Option(name: .long, help: "Live rows kept for the drift comparison (the latest ones).")
    var driftWindow: Int = 1_000
    @Option(name: .long, help: "Roll the alias back when a newly moved champion fails more than this share of its first 20 requests (0 < r ≤ 1; 1 = never).")
    var rollbackErrorRate: Double = 0.2
    @OptionGroup var store: MetadataOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let version, version <= 0 { throw ValidationError("--version must be a positive integer, got \(version)") }
        if pollMs <= 0 || decideMs <= 0 { throw ValidationError("--poll-ms and --decide-ms must be positive") }
        if maxBodyBytes < 1_024 { throw ValidationError("--max-body-bytes must be at least 1024") }
        if idleTimeout < 0 { throw ValidationError("--idle-timeout must be 0 (never) or a number of seconds, got \(idleTimeout)") }
        if let eventLoops, eventLoops <= 0 { throw ValidationError("--event-loops must be positive, got \(eventLoops)") }
        if maxBatchRows <= 0 { throw ValidationError("--max-batch-rows must be positive") }
        if inlineRows < 0 { throw ValidationError("--inline-rows must be 0 or more") }
        if !(rollbackErrorRate > 0 && rollbackErrorRate <= 1) { throw ValidationError("--rollback-error-rate must be in (0, 1]") }
        if driftWindow < 10 { throw ValidationError("--drift-window must be at least 10 rows") }
        let address = try Self.address(http)
        if !insecure, !BindExposure.isLoopback(address.tcpEndpoint) {
            throw ValidationError("""
            refusing to serve predictions on \(address) in plain HTTP: anyone on that network could read inputs and answers. \
            Bind to loopback (127.0.0.1:PORT) behind a TLS proxy, or pass --insecure on a network you trust.
            """)
        }
    }

    static func loadChampion(_ catalog: ModelCatalog, model: String, alias: String, version: Int?, store: String) async throws -> ServedModel {
        do {
            let v: Int
            if let version { v = version } else { v = try await catalog.target(model: model, alias: alias) }
            return try await catalog.load(model: model, version: v)
        } catch {
            throw CLIError("cannot load \(model): \(error)", hint: "check that the model's artifact is in \(store)/artifacts")
        }
    }

    static func address(_ text: String) throws -> ArtifactAddress {
        do { return try ArtifactAddress(parsing: text) } catch { throw ValidationError("--http: \(error)") }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "drover.serve")
        try await Output.run {
            let (_, registry) = try store.open()
            do {
                if let version { _ = try await registry.version(model: model, version) } else { _ = try await registry.resolve(model: model, alias: alias) }
            } catch { throw cliError(error) }
            let rollouts = try store.rollouts()
            let metrics = ServingMetrics()
            var enricher: FeatureEnricher?
            if !features.isEmpty {
                let featureStore = try store.features()
                var views: [FeatureView] = []
                for name in features { views.append(try await store.view(name, in: featureStore)) }
                enricher = FeatureEnricher(store: featureStore, views: views)
            }
            let catalog = ModelCatalog(registry: registry, dataDirectory: store.path, maxBatchRows: maxBatchRows, inlineRows: inlineRows)
            var drift: DriftWindow?
            if let reference {
                let champion = try await Self.loadChampion(catalog, model: model, alias: alias, version: version, store: store.path)
                let signature = champion.model.signature
                let table = try await runOffPool { () throws -> Table in
                    var options = CSVOptions(threads: 1, ignoresUnknownColumnTypes: true)
                    for c in signature.columns { options.columnTypes[c.name] = c.type }
                    do { return try CSVReader.read(path: reference, options: options) } catch {
                        throw CLIError.input("--reference \(reference): \(error)")
                    }
                }
                drift = DriftWindow(reference: table, capacity: driftWindow)
            }
            let service = ModelService(name: model, selection: .init(alias: alias, pinned: version), catalog: catalog,
                                       rollouts: rollouts, metrics: metrics, logger: logger, features: enricher, drift: drift,
                                       rollbackErrorRate: rollbackErrorRate < 1 ? rollbackErrorRate : nil)
            do { try await service.refresh() } catch {
                throw CLIError("cannot load \(model): \(error)", hint: "check that the model's artifact is in \(store.path)/artifacts")
            }
            let server = ModelServer(address: try Self.address(http), service: service, metrics: metrics,
                                     pollInterval: .milliseconds(pollMs), decideInterval: .milliseconds(decideMs),
                                     maxBodyBytes: maxBodyBytes, eventLoops: eventLoops,
                                     idleTimeout: idleTimeout > 0 ? .seconds(idleTimeout) : nil, logger: logger)
            try await ServiceRunner.run([server], logger: logger) {
                let bound = try await server.waitUntilReady()
                Output.line("serving \(model) version \(service.championVersion ?? 0) on \(bound)/v1/models/\(model)/predict")
            }
        }
    }
}

extension MetadataOptions {
    /// The rollout store (`serving.sqlite`) of the data directory.
    func rollouts() throws -> RolloutStore {
        do { return try RolloutStore(dataDirectory: path) } catch { throw CLIError("\(error)") }
    }
}
