import DroverProtocol
import ZeroMQ

/// Why a call to the coordinator failed: what happened (`reason`, which keeps the cause), a
/// sentence for humans and what to do. The CLI maps it to an exit code at the edge.
public struct ClientError: Error, CustomStringConvertible {
    public enum Reason: Sendable {
        /// No answer within the time limit.
        case noAnswer
        /// The coordinator refused the CURVE handshake, or one side has no CURVE.
        case handshake
        /// The coordinator answered with an error code (REPLY or ERROR).
        case rejected(ErrorCode)
        /// The queue stayed full (BUSY) past the deadline.
        case busy
        /// Jobs did not finish within the wait limit.
        case waitTimedOut
        /// The coordinator's answer could not be decoded.
        case badReply(String)
        /// A libzmq call failed.
        case transport(ZMQError)
        /// A request body could not be encoded or a reply body decoded.
        case body(RequestBodyError)
    }

    public var reason: Reason
    public var message: String
    public var hint: String?

    public init(_ reason: Reason, _ message: String, hint: String? = nil) {
        self.reason = reason
        self.message = message
        self.hint = hint
    }

    /// The request itself was wrong (no such job, bad argument): the user's input, not the system.
    public var isInputError: Bool {
        if case .rejected(let code) = reason { return code == .notFound || code == .badRequest }
        return false
    }

    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }

    static func transport(_ error: ZMQError, endpoint: String) -> ClientError {
        ClientError(.transport(error), "talking to the coordinator at \(endpoint) failed: \(error)")
    }
}
