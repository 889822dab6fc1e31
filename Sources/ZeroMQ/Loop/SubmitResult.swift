/// Outcome of handing work to a ``SocketThread``.
public enum SubmitResult: Sendable, Equatable {
    /// Queued; the socket thread will deliver it.
    case accepted
    /// The bounded queue is full: back off or answer "busy". Nothing was queued.
    case full
    /// The thread is not running (not started, stopping or stopped). Nothing was queued.
    case stopped
}
