import ZeroMQ

/// CURVE on the training socket, when the coordinator has keys: the same server key pair the
/// workers pin, and the workers' allow-list. Rounds are then encrypted, and only an allowed worker
/// key can join a session as a shard (a shard's replies become the model, so an unauthenticated
/// peer that learned a session id could otherwise poison it, and read gradient statistics).
public struct TrainingSecurity: Sendable {
    public static let domain = "drover.training"

    public var serverKeys: CurveKeyPair
    /// Allowed worker public keys (Z85) → principal name.
    public var workers: [String: String]

    public init(serverKeys: CurveKeyPair, workers: [String: String]) {
        self.serverKeys = serverKeys
        self.workers = workers
    }

    /// Options for the training ROUTER (set before `bind`).
    var socketOptions: [SocketOption] {
        serverKeys.serverOptions + [.zapDomain(Self.domain), .handshakeInterval(.seconds(10))]
    }
}
