/// A ZAP (RFC 27) authenticator bound on `inproc://zeromq.zap.01`, polled by the owner thread.
///
/// libzmq asks it about every CURVE handshake on any socket of the same context (and about NULL/PLAIN
/// peers of sockets that set a ZAP domain). Watch ``socket`` in the owner's poll loop and call
/// ``handleAll()`` when it is readable. One per context: a second bind fails with `EADDRINUSE`.
///
/// Without a ZAP handler, libzmq accepts **every** CURVE client that knows the server's public key,
/// so a CURVE server that needs an allow-list must run one of these.
public final class ZAPHandler {
    public static let endpoint = "inproc://zeromq.zap.01"

    /// The bound ROUTER; watch it for readability.
    public let socket: ZMQSocket
    /// Decides each request. Replace it (on the owner thread) to reload an allow-list; the next
    /// handshake uses the new one.
    public var authorize: (ZAPRequest) -> ZAPDecision

    /// Binds the handler in `context`.
    public init(context: ZMQContext, authorize: @escaping (ZAPRequest) -> ZAPDecision) throws(ZMQError) {
        socket = try ZMQSocket(context, type: .router, linger: .zero)
        self.authorize = authorize
        do {
            try socket.bind(Self.endpoint)
        } catch {
            socket.close()
            throw error
        }
    }

    /// Allows CURVE clients whose Z85 public key maps to a user id in `allowList`; the user id is
    /// reported as the message `User-Id`. Everything else (unknown keys, other mechanisms) is denied.
    public convenience init(context: ZMQContext, allowList: [String: String]) throws(ZMQError) {
        try self.init(context: context, authorize: Self.allowListPolicy(allowList))
    }

    /// Allows CURVE clients whose Z85 public key is in `allowedKeys` (user id = the key).
    public convenience init(context: ZMQContext, allowedKeys: Set<String>) throws(ZMQError) {
        try self.init(context: context, allowList: Dictionary(uniqueKeysWithValues: allowedKeys.map { ($0, $0) }))
    }

    /// The policy behind the allow-list initialisers.
    public static func allowListPolicy(_ allowList: [String: String]) -> (ZAPRequest) -> ZAPDecision {
        { request in
            guard let key = request.curvePublicKey else { return .deny(reason: "CURVE required") }
            guard let user = allowList[key] else { return .deny(reason: "unknown key") }
            return .allow(userId: user)
        }
    }

    /// Answers one pending request without blocking.
    /// - Returns: `false` if none was pending.
    @discardableResult
    public func handleOne() throws(ZMQError) -> Bool {
        guard let frames = try socket.receive(dontWait: true) else { return false }
        // ROUTER envelope: routing id(s), then an empty delimiter, then the request.
        guard let delimiter = frames.firstIndex(where: \.isEmpty) else { return true }
        let envelope = frames[...delimiter]
        let body = frames[(delimiter + 1)...]
        let reply: [[UInt8]]
        if let request = ZAPRequest(frames: body), request.version == "1.0" {
            let status = authorize(request).status
            reply = Array(envelope) + [Array("1.0".utf8), request.requestId, Array(status.code.utf8),
                                       Array(status.text.utf8), Array(status.userId.utf8), []]
        } else if body.count >= 2 {
            reply = Array(envelope) + [Array("1.0".utf8), body[body.startIndex + 1], Array("500".utf8),
                                       Array("malformed ZAP request".utf8), [], []]
        } else {
            return true // Not even a request id: nothing we can answer.
        }
        // libzmq's session waits for the reply; a full queue here would be a libzmq bug, not ours.
        _ = try socket.send(reply, dontWait: true)
        return true
    }

    /// Answers every pending request. Returns how many.
    @discardableResult
    public func handleAll() throws(ZMQError) -> Int {
        var n = 0
        while try handleOne() { n += 1 }
        return n
    }

    /// Unbinds and closes; later CURVE handshakes in this context are no longer checked.
    public func close() { socket.close() }
}
