import Hummingbird
import Logging
import NativeThreads
import ServiceLifecycle

/// Runs a Hummingbird application on `address` until shutdown, resolving `ready` with the bound
/// address (port 0 becomes the real port) or the failure to listen. Shared by the artifact
/// server and the web server.
public enum HTTPListener {
    /// `onShutdown` runs when graceful shutdown begins (before open connections are waited for).
    public static func run(router: Router<BasicRequestContext>, address: ArtifactAddress, serverName: String, event: String,
                    ready: OneShot<Result<ArtifactAddress, ArtifactServerError>>, logger: Logger, hint: String,
                    onShutdown: @escaping @Sendable () -> Void = {}) async throws {
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: serverName),
            onServerRunning: { channel in
                let bound = ArtifactAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
                logger.info("\(event)", metadata: ["address": "\(bound)"])
                ready.resolve(.success(bound))
            },
            logger: logger)
        do {
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: {
                onShutdown()
            }
        } catch {
            let failure = ArtifactServerError(message: "cannot serve HTTP on \(address): \(error); \(hint)")
            ready.resolve(.failure(failure))
            throw failure
        }
        ready.resolve(.failure(ArtifactServerError(message: "the HTTP server on \(address) stopped before it was ready")))
    }
}
