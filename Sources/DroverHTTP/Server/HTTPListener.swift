import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NativeThreads
import ServiceLifecycle

/// Runs a Hummingbird application on `address` until shutdown, resolving `ready` with the bound
/// address (port 0 becomes the real port) or the failure to listen. Shared by the artifact
/// server and the web server. With a `TLSIdentity` it speaks HTTPS only; without, it can send
/// `FileBody` responses with `sendfile(2)` (`fileBodies`, on `HTTP1FileChannel`).
public enum HTTPListener {
    /// `onShutdown` runs when graceful shutdown begins (before open connections are waited for).
    public static func run(router: Router<BasicRequestContext>, address: ArtifactAddress, serverName: String, event: String,
                    ready: OneShot<Result<ArtifactAddress, ArtifactServerError>>, logger: Logger, hint: String,
                    tls: TLSIdentity? = nil, fileBodies: Bool = false, onShutdown: @escaping @Sendable () -> Void = {}) async throws {
        let server: HTTPServerBuilder
        do {
            if let tls {
                server = try .tls(.http1(), tlsConfiguration: tls.configuration)
            } else if fileBodies {
                server = HTTPServerBuilder { responder in HTTP1FileChannel(responder: responder, threadPool: .singleton) }
            } else {
                server = .http1()
            }
        } catch {
            let failure = ArtifactServerError(message: "cannot set up TLS for \(address): \(error)")
            ready.resolve(.failure(failure))
            throw failure
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: serverName),
            onServerRunning: { channel in
                let bound = ArtifactAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
                logger.info("\(event)", metadata: ["address": "\(bound)", "tls": "\(tls != nil)"])
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
