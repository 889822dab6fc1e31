import DroverProtocol
import Logging
import ZeroMQ

/// CURVE keys and allow-lists for both coordinator sockets.
///
/// Each socket has its own ZAP domain, so a key is accepted only on the socket of its role: a
/// worker key cannot open the client socket (and so cannot submit, cancel or query), and a client
/// key cannot take work on the worker socket. The principal name of the key becomes the
/// connection's ZMQ `User-Id`.
public struct CoordinatorSecurity: Sendable {
    public static let workerDomain = "drover.workers"
    public static let clientDomain = "drover.clients"

    /// The coordinator's own long-term key pair (workers and clients pin its public key).
    public var serverKeys: CurveKeyPair
    /// Allowed worker public keys (Z85) → principal name.
    public var workers: [String: String]
    /// Allowed client public keys (Z85) → principal name.
    public var clients: [String: String]
    /// Client keys also allowed to submit `command` jobs (remote code execution on workers
    /// started with --allow-commands), → principal name. They may use the client socket too.
    public var commandClients: [String: String]

    public init(serverKeys: CurveKeyPair, workers: [String: String], clients: [String: String],
                commandClients: [String: String] = [:]) {
        self.serverKeys = serverKeys
        self.workers = workers
        self.clients = clients
        self.commandClients = commandClients
    }

    /// Principals allowed to submit `command` jobs: names of command-list keys that no other
    /// (client-only) key shares, so a client key cannot borrow a command submitter's name.
    public var commandPrincipals: Set<String> {
        let clientOnly = Set(clients.filter { commandClients[$0.key] == nil }.values)
        return Set(commandClients.values).subtracting(clientOnly)
    }

    /// Options for one of the two ROUTER sockets (set before `bind`).
    func socketOptions(domain: String) -> [SocketOption] {
        serverKeys.serverOptions + [.zapDomain(domain), .handshakeInterval(.seconds(10))]
    }

    /// Why a worker's HELLO must be refused, or `nil`: with CURVE, a worker name must be its key's
    /// principal, optionally followed by a suffix after `-`, `.`, `/` or `:` (`gpu-7`, `gpu-7-2`,
    /// `gpu-7.example.com-4242`), so one worker key cannot take over another worker's session.
    public static func helloRefusal(_ message: WorkerMessage, principal: String?) -> String? {
        guard case .hello(let hello) = message else { return nil }
        guard let principal, !principal.isEmpty else { return "no authenticated principal for this connection" }
        let name = hello.name
        if name == principal { return nil }
        if name.hasPrefix(principal), let next = name.dropFirst(principal.count).first, "-./:".contains(next) {
            return nil
        }
        return "worker name '\(name)' is not allowed for the key '\(principal)': use --name \(principal) or \(principal)-SUFFIX"
    }

    /// The ZAP decision for one handshake: the key must be on the allow-list of the socket's role.
    public func decide(_ request: ZAPRequest) -> ZAPDecision {
        guard let key = request.curvePublicKey else { return .deny(reason: "CURVE required") }
        let allowed: [String: String]
        switch request.domain {
        case Self.workerDomain: allowed = workers
        case Self.clientDomain: allowed = clients.merging(commandClients) { _, command in command }
        default: return .deny(reason: "unknown ZAP domain")
        }
        guard let principal = allowed[key] else { return .deny(reason: "key not allowed on this socket") }
        return .allow(userId: principal)
    }

    /// `decide`, logging every handshake as an audit trail: refusals as warnings, accepted
    /// principals at debug level (public keys, names and addresses only: nothing secret).
    func authorizer(logger: Logger) -> (ZAPRequest) -> ZAPDecision {
        { request in
            let decision = decide(request)
            let role = request.domain == Self.workerDomain ? "worker" : "client"
            switch decision {
            case .deny(let reason):
                logger.warning("coordinator.auth.denied", metadata: [
                    "socket": "\(role)", "peer": "\(request.address)", "mechanism": "\(request.mechanism)",
                    "key": "\(request.curvePublicKey ?? "-")", "reason": "\(reason)",
                ])
            case .allow(let principal):
                logger.debug("coordinator.auth.allowed", metadata: [
                    "socket": "\(role)", "peer": "\(request.address)", "principal": "\(principal)",
                ])
            case .temporaryFailure:
                break
            }
            return decision
        }
    }
}
