import DroverArtifacts
import DroverCoordinator
import DroverHTTP
import DroverPipelines
import DroverStore
import Logging
import ServiceLifecycle
import ZeroMQ

/// The services of a coordinator process: the coordinator, the pipeline runner and, beside them,
/// the artifact server over the runner's store (the data directory's), which also serves the
/// HTTP API, metrics, events and dashboard, and the `--http` server when asked for. Composed
/// here so the coordinator never imports HTTP.
struct CoordinatorServices {
    let coordinator: CoordinatorService
    let runner: PipelineRunner
    let artifactServer: ArtifactServer?
    let webServer: WebServer?
    let web: WebAPI
    let feed: any Service

    /// `options` gets the runner attached (and its CURVE client key when CURVE is on).
    init(options: inout CoordinatorOptions, flags: CoordinatorFlags, logger: Logger) throws {
        runner = try PipelineComposition.attach(to: &options, logger: logger)
        // The HTTP side asks the coordinator as a client, with a key of its own under CURVE.
        let curve = try options.security.map { security in
            let keys = try CurveKeyPair.generate()
            options.security?.clients[keys.publicKey] = "http-api"
            return CurveClientKeys(keyPair: keys, serverPublicKey: security.serverKeys.publicKey)
        }
        coordinator = CoordinatorService(options: options, logger: logger)
        let link = try CoordinatorLink(coordinator: options.workerEndpoint.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1"), curve: curve)
        let web = WebAPI(backend: APIBackend(link: link, metadata: runner.metadata, events: EventHub(), artifacts: runner.artifacts,
                                             journalPath: try DataDirectory(path: options.dataDirectory).journalPath))
        self.web = web
        feed = web.feed(logger: logger)
        do {
            artifactServer = try flags.artifactServer.server(bind: options.workerEndpoint, store: runner.artifacts, logger: logger, web: web)
            let tls = try flags.web.tls()
            webServer = try flags.web.address().map { WebServer(address: $0, web: web, tls: tls, logger: logger) }
        } catch {
            throw CLIError("\(error)", hint: "check --artifacts-bind and --http", cause: error)
        }
    }

    /// In the order they start (and stop in reverse): the coordinator first.
    var services: [any Service] {
        [coordinator, runner, feed] + (artifactServer.map { [$0] } ?? []) + (webServer.map { [$0] } ?? [])
    }

    /// What in-process workers use: the store itself (same machine, nothing to transfer).
    var localArtifacts: any ArtifactAccess { LocalArtifacts(store: runner.artifacts) }

    /// Waits until everything listens; the addresses, for printing.
    func waitUntilReady() async throws -> String {
        var text = try await coordinator.waitUntilReady()
        if let artifactServer { text += ", artifacts and API \(try await artifactServer.waitUntilReady())" } else { text += ", no artifact server" }
        if let webServer { text += ", dashboard \(try await webServer.waitUntilReady())" }
        return text
    }
}
