import Foundation

/// Runs async store work from the runner's own thread and waits for it there. The work runs
/// on the cooperative pool (GRDB hops to its own queues), so the pool is never blocked; only
/// the runner's thread waits. Never call this on the cooperative pool.
enum Blocking {
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        Task { await box.fill { try await body() } }
        return try box.take()
    }
}

/// One result handed from a task to a waiting thread.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `result` is written once under `cond` and read under it.
    private let cond = NSCondition()
    private var result: Result<T, Error>?

    func fill(_ body: () async throws -> T) async {
        let r: Result<T, Error>
        do { r = .success(try await body()) } catch { r = .failure(error) }
        set(r)
    }

    private func set(_ r: Result<T, Error>) {
        cond.lock()
        result = r
        cond.broadcast()
        cond.unlock()
    }

    func take() throws -> T {
        cond.lock()
        defer { cond.unlock() }
        while result == nil { cond.wait() }
        return try result!.get()
    }
}
