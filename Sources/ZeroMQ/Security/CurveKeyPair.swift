import CZeroMQ

/// A long-term CURVE key pair as 40-character Z85 strings.
///
/// `description` never prints the secret key (STYLE #11: no secrets in logs).
public struct CurveKeyPair: Sendable, Equatable, CustomStringConvertible {
    public let publicKey: String
    public let secretKey: String

    /// A fresh random key pair (`zmq_curve_keypair`). Throws `ENOTSUP` if libzmq lacks CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        try zmqCheck("zmq_curve_keypair") { zmq_curve_keypair(&pub, &sec) }
        return CurveKeyPair(publicKey: string(fromCBuffer: pub), secretKey: string(fromCBuffer: sec))
    }

    /// The pair for an existing secret key (public key derived with `zmq_curve_public`).
    public init(secretKey: String) throws(ZMQError) {
        guard Self.isValidKey(secretKey) else {
            throw ZMQError(code: EINVAL, operation: "zmq_curve_public", detail: "secret key is not 40 Z85 characters")
        }
        var pub = [CChar](repeating: 0, count: 41)
        try zmqCheck("zmq_curve_public") { zmq_curve_public(&pub, secretKey) }
        self.init(publicKey: string(fromCBuffer: pub), secretKey: secretKey)
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Whether `key` is a 40-character Z85 encoding of 32 bytes.
    public static func isValidKey(_ key: String) -> Bool {
        key.utf8.count == 40 && Z85.decode(key)?.count == 32
    }

    /// Options for a CURVE server socket (set before `bind`).
    public var serverOptions: [SocketOption] {
        [.curveServer(true), .curveSecretKey(secretKey)]
    }

    /// Options for a CURVE client socket talking to `serverKey` (set before `connect`).
    public func clientOptions(serverKey: String) -> [SocketOption] {
        [.curveServerKey(serverKey), .curvePublicKey(publicKey), .curveSecretKey(secretKey)]
    }

    public var description: String { "CurveKeyPair(public: \(publicKey), secret: <redacted>)" }
}
