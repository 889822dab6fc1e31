/// Runs blocking work (a file read, CPU-heavy training, `zmq_ctx_term`, a synchronous client) on a
/// thread of its own and awaits it, so Swift's cooperative pool is never blocked. The one helper
/// for this in the project: the callers bound how many run at once (a worker's slots, one per
/// service shutdown).
public func runOffPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        do {
            try NativeThread.start { continuation.resume(with: Result { try body() }) }.detach()
        } catch {
            continuation.resume(throwing: error)
        }
    }
}
