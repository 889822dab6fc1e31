/// One ZAP request (ZeroMQ RFC 27) as libzmq sends it to `inproc://zeromq.zap.01`.
public struct ZAPRequest: Sendable, Equatable {
    /// Always "1.0" for requests we accept.
    public var version: String
    public var requestId: [UInt8]
    /// The server socket's `ZMQ_ZAP_DOMAIN`.
    public var domain: String
    /// The peer's IP address (no port).
    public var address: String
    /// The peer's routing id, if any.
    public var identity: [UInt8]
    /// "NULL", "PLAIN" or "CURVE".
    public var mechanism: String
    /// Mechanism-specific; for CURVE one frame: the client's 32-byte long-term public key.
    public var credentials: [[UInt8]]

    /// The client's CURVE public key in Z85, when the mechanism is CURVE.
    public var curvePublicKey: String? {
        guard mechanism == "CURVE", credentials.count == 1, credentials[0].count == 32 else { return nil }
        return Z85.encode(credentials[0])
    }

    /// Parses the frames that follow the envelope delimiter; `nil` if malformed.
    init?(frames: ArraySlice<[UInt8]>) {
        guard frames.count >= 6 else { return nil }
        let f = Array(frames)
        version = String(decoding: f[0], as: UTF8.self)
        requestId = f[1]
        domain = String(decoding: f[2], as: UTF8.self)
        address = String(decoding: f[3], as: UTF8.self)
        identity = f[4]
        mechanism = String(decoding: f[5], as: UTF8.self)
        credentials = Array(f[6...])
    }
}

/// A ZAP handler's answer.
public enum ZAPDecision: Sendable, Equatable {
    /// 200: accept; `userId` becomes the `User-Id` property of every message from this peer.
    case allow(userId: String)
    /// 400: reject the handshake.
    case deny(reason: String)
    /// 300: temporary failure, the client may retry.
    case temporaryFailure(reason: String)

    var status: (code: String, text: String, userId: String) {
        switch self {
        case .allow(let user): ("200", "OK", user)
        case .deny(let reason): ("400", reason, "")
        case .temporaryFailure(let reason): ("300", reason, "")
        }
    }
}
