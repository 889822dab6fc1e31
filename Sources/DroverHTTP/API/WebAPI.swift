import Hummingbird
import Logging
import ServiceLifecycle

/// Everything the web side serves: `/api/v1` (reads, actions, events), `/metrics` and the
/// dashboard at `/`. Registered on the artifact server's router and on `--http`'s.
public struct WebAPI: Sendable {
    public let backend: APIBackend
    public let metrics: DroverMetrics

    public init(backend: APIBackend, metrics: DroverMetrics = DroverMetrics()) {
        self.backend = backend
        self.metrics = metrics
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.middlewares.add(APIMiddleware(metrics: metrics))
        APIReadRoutes(backend: backend).register(on: router)
        APIActionRoutes(backend: backend).register(on: router)
        EventRoutes(backend: backend).register(on: router)
        DashboardRoutes().register(on: router)
        let backend = self.backend, metrics = self.metrics
        router.get("/api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/metrics") { _, _ in
            let text = try await metrics.scrape(backend)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }

    /// The event feed and the webhook dispatcher as a service of their own (one per process,
    /// whatever the number of servers).
    public func feed(logger: Logger) -> some Service {
        EventFeedService(feed: EventFeed(backend: backend, logger: logger, metrics: metrics), webhooks: WebhookDispatcher(backend: backend, logger: logger))
    }
}

struct EventFeedService: Service {
    let feed: EventFeed
    let webhooks: WebhookDispatcher

    func run() async throws {
        let feed = self.feed, webhooks = self.webhooks
        let tail = feed.backend.journalPath.map { JobEventTail(journalPath: $0, hub: feed.backend.events, logger: feed.logger) }
        defer { tail?.stop() }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await feed.run(answered: {
                        do { try tail?.start() } catch { feed.logger.error("events.jobs.unavailable", metadata: ["error": "\(error)"]) }
                    })
                }
                group.addTask { await webhooks.run() }
            }
        }
        feed.backend.link.stop()
    }
}

/// Errors → JSON bodies; forged cross-site actions refused (`CSRFGuard`); each request's latency →
/// the metrics (by route pattern).
struct APIMiddleware: RouterMiddleware {
    let metrics: DroverMetrics

    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            if request.uri.path.hasPrefix("/api/") { try Self.refuseForgery(request) }
            response = try await next(request, context)
        } catch {
            response = APIError.from(error).response
        }
        if request.uri.path.hasPrefix("/api/") {
            metrics.recordRequest(route: context.endpointPath ?? "unmatched", status: response.status.code, duration: ContinuousClock.now - start)
        }
        return response
    }

    static func refuseForgery(_ request: Request) throws {
        let headers = request.headers
        let hasBody = (headers[.contentLength].flatMap { Int($0) } ?? 0) > 0 || headers[.transferEncoding] != nil
        switch CSRFGuard.check(method: request.method.rawValue, host: request.head.authority ?? headers[HTTPFields.Element.Name("Host")!],
                               origin: headers[.origin], fetchSite: headers[HTTPFields.Element.Name("Sec-Fetch-Site")!],
                               contentType: headers[.contentType], hasBody: hasBody) {
        case .allowed: return
        case .crossSite(let message): throw APIError(.forbidden, "cross_site", message)
        case .notJSON(let message): throw APIError(.unsupportedMediaType, "not_json", message)
        }
    }
}
