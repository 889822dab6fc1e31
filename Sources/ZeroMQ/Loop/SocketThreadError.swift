/// Why ``SocketThread/perform(_:)`` did not run its closure.
public enum SocketThreadError: Error, Sendable, Equatable {
    /// The bounded command queue is full: back off or report "busy" upstream.
    case busy
    /// The socket thread is not running, or it ended before the closure ran.
    case stopped
}
