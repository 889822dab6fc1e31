import Synchronization

/// A flag one side trips and long-running work checks at its safe points: between boosting rounds,
/// L-BFGS iterations, CSV chunks. Tripping it does not interrupt anything; the work notices at its
/// next check and throws ``Cancelled``. Shared by reference, so the worker keeps one per attempt
/// and hands it to the executor (and the executor to the trainers) without either depending on the
/// other. Swift's task cancellation does not reach work on a thread of its own, this does.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// A token that is never tripped (for callers that cannot cancel).
    public static var none: CancellationToken { CancellationToken() }

    /// Trips the token. Idempotent; any thread.
    public func cancel() { flag.store(true, ordering: .releasing) }

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }

    /// Throws ``Cancelled`` when the token is tripped; call it at each safe point.
    public func check() throws(Cancelled) {
        if isCancelled { throw Cancelled() }
    }
}

/// Work stopped because its ``CancellationToken`` was tripped (a CANCEL, a timeout, a shutdown).
public struct Cancelled: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String { "stopped: the attempt was cancelled" }
}
