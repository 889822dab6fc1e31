import Foundation

/// Runs blocking work (file reads, CPU-heavy training) on a thread of its own and awaits it,
/// so executors never block Swift's cooperative pool. One thread per running job is bounded
/// by the worker's slots.
enum BlockingWork {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
