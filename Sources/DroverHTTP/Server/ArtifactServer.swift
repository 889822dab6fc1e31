import DroverArtifacts
import Hummingbird
import Logging
import NativeThreads
import NIOCore
import ServiceLifecycle
import Synchronization

/// The coordinator's artifact server as a `Service`: `GET`/`HEAD /artifacts/<digest>` (with
/// byte ranges) and `PUT /artifacts` (uploads, digest computed and optionally checked), over
/// plain HTTP/1.1 (Hummingbird). Composed beside the coordinator by the CLI; the coordinator
/// itself knows nothing about HTTP. With a `WebAPI`, the same port also serves `/api/v1`,
/// `/metrics` and the dashboard.
public final class ArtifactServer: Service {
    public struct Options: Sendable {
        public var address: ArtifactAddress
        /// Largest upload accepted (413 beyond it).
        public var maxUploadBytes: Int64

        public init(address: ArtifactAddress, maxUploadBytes: Int64 = 64 << 30) {
            self.address = address
            self.maxUploadBytes = maxUploadBytes
        }
    }

    public let options: Options
    let store: ArtifactStore
    let logger: Logger
    private let ready = OneShot<Result<ArtifactAddress, ArtifactServerError>>()

    /// The HTTP API, events, metrics and dashboard, served beside the artifacts when given.
    let web: WebAPI?

    public init(store: ArtifactStore, options: Options, logger: Logger, web: WebAPI? = nil) {
        self.web = web
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// Resolves once the server listens (with the bound address: port 0 becomes the real port)
    /// or failed to start.
    public func waitUntilReady() async throws -> ArtifactAddress {
        try await ready.value().get()
    }

    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        web?.register(on: router)
        ArtifactRoutes(store: store, maxUploadBytes: options.maxUploadBytes, logger: logger).register(on: router)
        try await HTTPListener.run(router: router, address: options.address, serverName: "drover-artifacts", event: "artifacts.started",
                                   ready: ready, logger: logger, hint: "pick another port with --artifacts-bind", fileBodies: true,
                                   onShutdown: { [web] in web?.backend.events.close() })
    }
}

public struct ArtifactServerError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}
