import Hummingbird
import Logging
import NativeThreads
import ServiceLifecycle

/// `drover up --http HOST:PORT`: the HTTP API, `/metrics`, the event stream and the dashboard
/// on an address of their own (the artifact port serves them too), over HTTPS when given a
/// certificate (`--tls-cert`/`--tls-key`).
public final class WebServer: Service {
    public let address: ArtifactAddress
    let web: WebAPI
    let tls: TLSIdentity?
    let logger: Logger
    private let ready = OneShot<Result<ArtifactAddress, ArtifactServerError>>()

    public init(address: ArtifactAddress, web: WebAPI, tls: TLSIdentity? = nil, logger: Logger) {
        self.address = address
        self.tls = tls
        self.web = web
        self.logger = logger
    }

    public func waitUntilReady() async throws -> ArtifactAddress {
        try await ready.value().get()
    }

    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        web.register(on: router)
        try await HTTPListener.run(router: router, address: address, serverName: "drover", event: "http.started",
                                   ready: ready, logger: logger, hint: "pick another address with --http", tls: tls,
                                   onShutdown: { [web] in web.backend.events.close() })
    }
}
