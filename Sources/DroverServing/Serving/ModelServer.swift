import DroverHTTP
import Logging
import NativeThreads
import ServiceLifecycle

/// `drover serve`: one model's HTTP endpoint, its registry follower and its rollout monitor.
public final class ModelServer: Service {
    public let address: ArtifactAddress
    public let service: ModelService
    let metrics: ServingMetrics
    let monitor: RolloutMonitor
    let pollInterval: Duration
    let decideInterval: Duration
    let maxBodyBytes: Int
    /// Event-loop threads answering HTTP (nil: NIO's shared group, one per core).
    let eventLoops: Int?
    /// A connection silent this long between requests is closed (nil: never).
    let idleTimeout: Duration?
    let logger: Logger
    private let ready = OneShot<Result<ArtifactAddress, ArtifactServerError>>()

    public init(address: ArtifactAddress, service: ModelService, metrics: ServingMetrics, pollInterval: Duration,
                decideInterval: Duration, maxBodyBytes: Int, eventLoops: Int?, idleTimeout: Duration?,
                logger: Logger) {
        self.eventLoops = eventLoops
        self.idleTimeout = idleTimeout
        self.address = address
        self.service = service
        self.metrics = metrics
        self.monitor = RolloutMonitor(service: service, logger: logger)
        self.pollInterval = pollInterval
        self.decideInterval = decideInterval
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    public func waitUntilReady() async throws -> ArtifactAddress {
        try await ready.value().get()
    }

    public func run() async throws {
        let routes = ServingRoutes(service: service, metrics: metrics, maxBodyBytes: maxBodyBytes)
        let service = self.service, monitor = self.monitor, poll = pollInterval, decide = decideInterval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await cancelWhenGracefulShutdown { await service.follow(every: poll) } }
            group.addTask { await cancelWhenGracefulShutdown { await monitor.run(every: decide) } }
            group.addTask { [self] in
                try await ServeListener.run(routes: routes, address: address, maxBodyBytes: maxBodyBytes, eventLoops: eventLoops,
                                            idleTimeout: idleTimeout, ready: ready, logger: logger)
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
