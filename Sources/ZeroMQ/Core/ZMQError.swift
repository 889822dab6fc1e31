import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libzmq call: the operation, the `errno` read from `zmq_errno()` right after the call,
/// and libzmq's own text for it.
///
/// `EAGAIN` never surfaces as a `ZMQError` from send/receive (it means "would block" and is returned
/// as `false` / `nil`), and `EINTR` is retried, so what callers see is a real failure — or `ETERM`,
/// which means the context is shutting down and every loop should end.
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `errno` value (`EHOSTUNREACH`, `ETERM`, `EINVAL`, ...).
    public let code: Int32
    /// The libzmq call that failed, e.g. `"zmq_bind"`.
    public let operation: String
    /// Extra context for humans, e.g. the endpoint. Never a payload or a secret.
    public let detail: String

    public init(code: Int32, operation: String, detail: String = "") {
        self.code = code
        self.operation = operation
        self.detail = detail
    }

    /// `zmq_strerror(code)`.
    public var message: String { String(cString: zmq_strerror(code)) }

    public var description: String {
        let suffix = detail.isEmpty ? "" : " (\(detail))"
        return "\(operation) failed: \(message) [errno \(code)]\(suffix)"
    }

    /// The context was terminated (`ETERM`): end the loop, close the socket.
    public var isContextTerminated: Bool { code == ETERM }
    /// `ROUTER_MANDATORY` could not route to the routing id (`EHOSTUNREACH`): the peer is gone or unknown.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }
    /// The operation would block (`EAGAIN`). Only seen from calls that are not send/receive.
    public var isWouldBlock: Bool { code == EAGAIN }

    /// Captures `zmq_errno()` now. Call it immediately after the failing C call.
    static func last(_ operation: String, detail: String = "") -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation, detail: detail)
    }
}

/// The outcome of one libzmq call that may block.
enum ZMQCallResult {
    case done(Int32)
    case wouldBlock
}

/// Runs a libzmq call that returns `-1` on failure: retries `EINTR`, maps `EAGAIN` to `.wouldBlock`,
/// throws every other errno. The single place that interprets return codes for blocking calls.
@inline(__always)
func zmqCall(_ operation: String, detail: @autoclosure () -> String = "", _ body: () -> Int32) throws(ZMQError) -> ZMQCallResult {
    while true {
        let rc = body()
        if rc >= 0 { return .done(rc) }
        let code = zmq_errno()
        switch code {
        case EINTR: continue
        case EAGAIN: return .wouldBlock
        default: throw ZMQError(code: code, operation: operation, detail: detail())
        }
    }
}

/// Runs a libzmq call that cannot block (setsockopt, bind, ...): retries `EINTR`, throws on any failure.
@inline(__always)
func zmqCheck(_ operation: String, detail: @autoclosure () -> String = "", _ body: () -> Int32) throws(ZMQError) {
    while true {
        let rc = body()
        if rc >= 0 { return }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZMQError(code: code, operation: operation, detail: detail())
    }
}
