import CZeroMQ

/// Typed socket options. Durations are converted to libzmq's milliseconds (or seconds for TCP
/// keepalive), rounding down; negative durations are not allowed except where noted.
public enum SocketOption: Sendable {
    /// How long `close` keeps unsent messages (`ZMQ_LINGER`). Always bounded in Drover: libzmq's
    /// default of "forever" is what makes `zmq_ctx_term` hang.
    case linger(Duration)
    /// Outbound queue limit in messages (`ZMQ_SNDHWM`, default 1000). 0 means no limit — avoid.
    case sendHighWaterMark(Int32)
    /// Inbound queue limit in messages (`ZMQ_RCVHWM`, default 1000).
    case receiveHighWaterMark(Int32)
    /// This socket's routing id as seen by a ROUTER peer (`ZMQ_ROUTING_ID`, 1–255 bytes, first byte not 0).
    case routingId([UInt8])
    /// ROUTER: fail with `EHOSTUNREACH` instead of silently dropping unroutable messages.
    case routerMandatory(Bool)
    /// Queue only to completed connections (`ZMQ_IMMEDIATE`).
    case immediate(Bool)
    /// `SO_KEEPALIVE` on TCP connections.
    case tcpKeepalive(Bool)
    /// Idle time before the first keepalive probe (`ZMQ_TCP_KEEPALIVE_IDLE`, whole seconds).
    case tcpKeepaliveIdle(Duration)
    /// Time between keepalive probes (`ZMQ_TCP_KEEPALIVE_INTVL`, whole seconds).
    case tcpKeepaliveInterval(Duration)
    /// Probes before the connection is dropped (`ZMQ_TCP_KEEPALIVE_CNT`).
    case tcpKeepaliveCount(Int32)
    /// ZMTP PING interval (`ZMQ_HEARTBEAT_IVL`); zero disables (libzmq default).
    case heartbeatInterval(Duration)
    /// TTL the peer should apply to us (`ZMQ_HEARTBEAT_TTL`, 100 ms resolution).
    case heartbeatTTL(Duration)
    /// Drop the connection if no traffic arrives within this after a PING (`ZMQ_HEARTBEAT_TIMEOUT`).
    case heartbeatTimeout(Duration)
    /// First reconnect delay (`ZMQ_RECONNECT_IVL`, default 100 ms).
    case reconnectInterval(Duration)
    /// Reconnect backoff cap (`ZMQ_RECONNECT_IVL_MAX`); zero means "no backoff".
    case reconnectIntervalMax(Duration)
    /// Largest inbound message in bytes (`ZMQ_MAXMSGSIZE`); a peer sending more is disconnected.
    /// -1 means unlimited (libzmq default) — set it on any socket that faces untrusted peers.
    case maxMessageSize(Int64)
    /// Time allowed for the ZMTP/CURVE handshake (`ZMQ_HANDSHAKE_IVL`, default 30 s).
    case handshakeInterval(Duration)
    /// Act as CURVE server (`ZMQ_CURVE_SERVER`). Requires ``curveSecretKey(_:)``.
    case curveServer(Bool)
    /// This socket's long-term public key, 40-character Z85 (`ZMQ_CURVE_PUBLICKEY`).
    case curvePublicKey(String)
    /// This socket's long-term secret key, 40-character Z85 (`ZMQ_CURVE_SECRETKEY`).
    case curveSecretKey(String)
    /// Client: the server's public key, 40-character Z85 (`ZMQ_CURVE_SERVERKEY`).
    case curveServerKey(String)
    /// ZAP domain sent to the ZAP handler (`ZMQ_ZAP_DOMAIN`).
    case zapDomain(String)
    /// SUB: subscribe to a prefix (empty = everything).
    case subscribe([UInt8])
    /// SUB: remove a subscription.
    case unsubscribe([UInt8])
    /// Blocking send timeout (`ZMQ_SNDTIMEO`); `nil` = block forever (default).
    case sendTimeout(Duration?)
    /// Blocking receive timeout (`ZMQ_RCVTIMEO`); `nil` = block forever (default).
    case receiveTimeout(Duration?)
    /// Accept IPv6 as well as IPv4 (`ZMQ_IPV6`).
    case ipv6(Bool)

    /// The libzmq option name, for error messages.
    var name: String {
        switch self {
        case .linger: "ZMQ_LINGER"
        case .sendHighWaterMark: "ZMQ_SNDHWM"
        case .receiveHighWaterMark: "ZMQ_RCVHWM"
        case .routingId: "ZMQ_ROUTING_ID"
        case .routerMandatory: "ZMQ_ROUTER_MANDATORY"
        case .immediate: "ZMQ_IMMEDIATE"
        case .tcpKeepalive: "ZMQ_TCP_KEEPALIVE"
        case .tcpKeepaliveIdle: "ZMQ_TCP_KEEPALIVE_IDLE"
        case .tcpKeepaliveInterval: "ZMQ_TCP_KEEPALIVE_INTVL"
        case .tcpKeepaliveCount: "ZMQ_TCP_KEEPALIVE_CNT"
        case .heartbeatInterval: "ZMQ_HEARTBEAT_IVL"
        case .heartbeatTTL: "ZMQ_HEARTBEAT_TTL"
        case .heartbeatTimeout: "ZMQ_HEARTBEAT_TIMEOUT"
        case .reconnectInterval: "ZMQ_RECONNECT_IVL"
        case .reconnectIntervalMax: "ZMQ_RECONNECT_IVL_MAX"
        case .maxMessageSize: "ZMQ_MAXMSGSIZE"
        case .handshakeInterval: "ZMQ_HANDSHAKE_IVL"
        case .curveServer: "ZMQ_CURVE_SERVER"
        case .curvePublicKey: "ZMQ_CURVE_PUBLICKEY"
        case .curveSecretKey: "ZMQ_CURVE_SECRETKEY"
        case .curveServerKey: "ZMQ_CURVE_SERVERKEY"
        case .zapDomain: "ZMQ_ZAP_DOMAIN"
        case .subscribe: "ZMQ_SUBSCRIBE"
        case .unsubscribe: "ZMQ_UNSUBSCRIBE"
        case .sendTimeout: "ZMQ_SNDTIMEO"
        case .receiveTimeout: "ZMQ_RCVTIMEO"
        case .ipv6: "ZMQ_IPV6"
        }
    }

    /// The option id and its value as libzmq expects it.
    var encoded: (id: Int32, value: EncodedValue) {
        switch self {
        case .linger(let d): (ZMQ_LINGER, .int(d.wholeMilliseconds))
        case .sendHighWaterMark(let n): (ZMQ_SNDHWM, .int(n))
        case .receiveHighWaterMark(let n): (ZMQ_RCVHWM, .int(n))
        case .routingId(let id): (ZMQ_ROUTING_ID, .bytes(id))
        case .routerMandatory(let on): (ZMQ_ROUTER_MANDATORY, .int(on ? 1 : 0))
        case .immediate(let on): (ZMQ_IMMEDIATE, .int(on ? 1 : 0))
        case .tcpKeepalive(let on): (ZMQ_TCP_KEEPALIVE, .int(on ? 1 : 0))
        case .tcpKeepaliveIdle(let d): (ZMQ_TCP_KEEPALIVE_IDLE, .int(d.wholeSeconds))
        case .tcpKeepaliveInterval(let d): (ZMQ_TCP_KEEPALIVE_INTVL, .int(d.wholeSeconds))
        case .tcpKeepaliveCount(let n): (ZMQ_TCP_KEEPALIVE_CNT, .int(n))
        case .heartbeatInterval(let d): (ZMQ_HEARTBEAT_IVL, .int(d.wholeMilliseconds))
        case .heartbeatTTL(let d): (ZMQ_HEARTBEAT_TTL, .int(d.wholeMilliseconds))
        case .heartbeatTimeout(let d): (ZMQ_HEARTBEAT_TIMEOUT, .int(d.wholeMilliseconds))
        case .reconnectInterval(let d): (ZMQ_RECONNECT_IVL, .int(d.wholeMilliseconds))
        case .reconnectIntervalMax(let d): (ZMQ_RECONNECT_IVL_MAX, .int(d.wholeMilliseconds))
        case .maxMessageSize(let n): (ZMQ_MAXMSGSIZE, .int64(n))
        case .handshakeInterval(let d): (ZMQ_HANDSHAKE_IVL, .int(d.wholeMilliseconds))
        case .curveServer(let on): (ZMQ_CURVE_SERVER, .int(on ? 1 : 0))
        case .curvePublicKey(let k): (ZMQ_CURVE_PUBLICKEY, .string(k))
        case .curveSecretKey(let k): (ZMQ_CURVE_SECRETKEY, .string(k))
        case .curveServerKey(let k): (ZMQ_CURVE_SERVERKEY, .string(k))
        case .zapDomain(let s): (ZMQ_ZAP_DOMAIN, .string(s))
        case .subscribe(let p): (ZMQ_SUBSCRIBE, .bytes(p))
        case .unsubscribe(let p): (ZMQ_UNSUBSCRIBE, .bytes(p))
        case .sendTimeout(let d): (ZMQ_SNDTIMEO, .int(d?.wholeMilliseconds ?? -1))
        case .receiveTimeout(let d): (ZMQ_RCVTIMEO, .int(d?.wholeMilliseconds ?? -1))
        case .ipv6(let on): (ZMQ_IPV6, .int(on ? 1 : 0))
        }
    }

    enum EncodedValue {
        case int(Int32)
        case int64(Int64)
        case bytes([UInt8])
        /// Z85 keys and domains: passed without the terminating NUL.
        case string(String)
    }
}

extension Duration {
    /// Whole milliseconds, clamped to `Int32` (libzmq's `int` options).
    var wholeMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        guard !ms.overflow else { return seconds < 0 ? Int32.min : Int32.max }
        let total = ms.partialValue + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: total)
    }

    /// Whole seconds, clamped to `Int32`.
    var wholeSeconds: Int32 { Int32(clamping: components.seconds) }
}
