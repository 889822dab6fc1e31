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
/// itself knows nothing about HTTP.
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

    public init(store: ArtifactStore, options: Options, logger: Logger) {
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
        ArtifactRoutes(store: store, maxUploadBytes: options.maxUploadBytes, logger: logger).register(on: router)
        let address = options.address, ready = self.ready, logger = self.logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "drover-artifacts"),
            onServerRunning: { channel in
                let bound = ArtifactAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
                logger.info("artifacts.started", metadata: ["address": "\(bound)"])
                ready.resolve(.success(bound))
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            let failure = ArtifactServerError(message: "cannot serve artifacts on \(address): \(error); pick another port with --artifacts-bind")
            ready.resolve(.failure(failure))
            throw failure
        }
        ready.resolve(.failure(ArtifactServerError(message: "the artifact server stopped before it was ready")))
    }
}

public struct ArtifactServerError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
