import DroverStore
import ZeroMQ

/// Why a coordinator could not start or had to stop. Each case keeps its cause, and the
/// description says what failed and what to do (it is what `drover coordinator` prints).
public enum CoordinatorError: Error, CustomStringConvertible {
    /// A non-loopback bind without CURVE keys or `--insecure`.
    case exposed(refusal: String)
    /// The data directory could not be created or locked.
    case dataDirectory(path: String, cause: any Error)
    /// The journal could not be opened or replayed.
    case journalUnavailable(path: String, cause: any Error)
    /// Another program holds the address.
    case addressInUse(role: String, endpoint: String, flag: String)
    /// The address could not be bound for another reason (bad syntax, unknown interface, …).
    case cannotBind(role: String, endpoint: String, flag: String, cause: ZMQError)
    /// A group commit failed: the coordinator stopped at once and sent nothing more (fail-stop).
    case journalCommitFailed(cause: any Error)
    /// The socket loop ended with an error of its own.
    case loopFailed(cause: any Error)

    public var description: String {
        switch self {
        case .exposed(let refusal):
            refusal
        case .dataDirectory(_, let cause):
            "\(cause)"
        case .journalUnavailable(let path, let cause):
            "cannot open the journal \(path): \(cause)"
        case .addressInUse(let role, let endpoint, let flag):
            "cannot listen for \(role)s on \(endpoint): the address is already in use "
                + "(another coordinator or program holds it); stop it or choose another port with \(flag)"
        case .cannotBind(let role, let endpoint, let flag, let cause):
            "cannot listen for \(role)s on \(endpoint): \(cause.message); check \(flag)"
        case .journalCommitFailed(let cause):
            "coordinator stopped (fail-stop): \(cause). Nothing was acknowledged after the failed commit: "
                + "clients retry their unanswered submissions (idempotency keys make that safe) and workers reconnect"
        case .loopFailed(let cause):
            "coordinator loop ended: \(cause)"
        }
    }

    /// The journal's own classification of a failed commit (disk full, I/O error, file removed, …).
    public var journalWriteFailure: JournalError.WriteFailure? {
        if case .journalCommitFailed(let cause) = self { return (cause as? JournalError)?.writeFailure }
        return nil
    }

    /// Whether the error is a taken address (so a caller can suggest another port).
    public var isAddressInUse: Bool {
        if case .addressInUse = self { return true }
        return false
    }
}
