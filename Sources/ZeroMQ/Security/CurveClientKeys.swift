/// What a CURVE client (a worker or a CLI client) needs: its own long-term key pair and the
/// server's public key. `description` never prints the secret key.
public struct CurveClientKeys: Sendable, Equatable, CustomStringConvertible {
    public let keyPair: CurveKeyPair
    public let serverPublicKey: String

    public init(keyPair: CurveKeyPair, serverPublicKey: String) {
        self.keyPair = keyPair
        self.serverPublicKey = serverPublicKey
    }

    /// Options to set on the client socket before `connect`.
    public var socketOptions: [SocketOption] { keyPair.clientOptions(serverKey: serverPublicKey) }

    public var description: String {
        "CurveClientKeys(public: \(keyPair.publicKey), server: \(serverPublicKey), secret: <redacted>)"
    }
}
