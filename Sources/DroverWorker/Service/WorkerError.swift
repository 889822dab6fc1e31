/// Why a worker stopped with an error. Each case keeps the error that caused it, so callers
/// branch on the case and the cause's type, never on message text.
public enum WorkerError: Error, CustomStringConvertible {
    /// The worker could not start: no ZeroMQ context, no socket thread, or its first socket
    /// could not be created or connected (a malformed `--coordinator` endpoint).
    case startFailed(cause: any Error)
    /// The socket loop ended with an error (a libzmq failure while running).
    case loopFailed(cause: any Error)

    public var cause: any Error {
        switch self {
        case .startFailed(let cause), .loopFailed(let cause): cause
        }
    }

    public var description: String {
        switch self {
        case .startFailed(let cause):
            "the worker could not start: \(cause); check --coordinator (an endpoint such as tcp://127.0.0.1:5555) and the process's thread and file limits"
        case .loopFailed(let cause):
            "the worker's connection loop failed: \(cause)"
        }
    }
}
