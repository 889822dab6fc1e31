import DroverHTTP
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NativeThreads
import ServiceLifecycle

/// Listens on `address` with `ServeHTTPHandler` until cancelled or graceful shutdown, resolving
/// `ready` with the bound address (port 0 becomes the real port) or the failure to listen.
/// `eventLoops` threads answer (nil: NIO's shared group, one per core); a connection that sends
/// nothing for `idleTimeout` while no answer is owed is closed (nil: never).
enum ServeListener {
    static func run(routes: ServingRoutes, address: ArtifactAddress, maxBodyBytes: Int, eventLoops: Int?, idleTimeout: Duration?,
                    ready: OneShot<Result<ArtifactAddress, ArtifactServerError>>, logger: Logger) async throws {
        let own = eventLoops.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) }
        defer { own?.shutdownGracefully { _ in } }
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: own ?? MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let idleTimeout {
                            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: TimeAmount(idleTimeout)))
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                            withPipeliningAssistance: true, withErrorHandling: true,
                            withOutboundHeaderValidation: false)  // ServeHTTPHandler writes a fixed set of headers
                        try channel.pipeline.syncOperations.addHandler(ServeHTTPHandler(routes: routes, maxBodyBytes: maxBodyBytes))
                    }
                }
                .bind(host: address.host, port: address.port).get()
        } catch {
            let failure = ArtifactServerError(message: "cannot serve HTTP on \(address): \(error); pick another address with --http")
            ready.resolve(.failure(failure))
            throw failure
        }
        let bound = ArtifactAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
        logger.info("serve.started", metadata: ["address": "\(bound)", "tls": "false"])
        ready.resolve(.success(bound))
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}
