import DequeModule
import Foundation
import NativeThreads
import Synchronization

/// Dedicated threads, each owning an `OnlineReader`, that answer async callers: a caller hands
/// over a batch of lookups (every row of a request) and awaits one answer, so the blocking
/// SQLite reads never run on the cooperative pool and a request pays one hand-off, not one per row.
final class OnlineReaders: Sendable {
    typealias Lookup = (view: String, key: String)

    private struct Job: Sendable {
        var lookups: [Lookup]
        var reply: CheckedContinuation<[StoredFeatures?], any Error>
    }

    private struct Queue: ~Copyable {
        var jobs = Deque<Job>()
        var closed = false
    }

    private let queue = Mutex(Queue())
    /// One signal per queued job (and one per thread on close).
    private let work = DispatchSemaphore(value: 0)
    let path: String
    let threads: Int

    /// Starts `threads` reader threads on the store at `path`; each opens its connection itself.
    init(path: String, threads: Int) throws(ThreadStartError) {
        self.path = path
        self.threads = threads
        for _ in 0..<threads {
            try NativeThread.start { [self] in serve() }.detach()
        }
    }

    /// The stored rows of the lookups, in order (nil: no such entity).
    func read(_ lookups: [Lookup]) async throws -> [StoredFeatures?] {
        try await withCheckedThrowingContinuation { reply in
            let accepted = queue.withLock { q in
                guard !q.closed else { return false }
                q.jobs.append(Job(lookups: lookups, reply: reply))
                return true
            }
            guard accepted else { return reply.resume(throwing: OnlineReadError(path: path, code: 21, message: "the feature store is closed")) }
            work.signal()
        }
    }

    /// Ends the threads once the jobs queued so far are answered.
    func close() {
        queue.withLock { $0.closed = true }
        for _ in 0..<threads { work.signal() }
    }

    /// A reader thread: waits for a job, answers it, until closed and drained.
    private func serve() {
        var reader: OnlineReader?
        while true {
            work.wait()
            guard let job = queue.withLock({ $0.jobs.popFirst() }) else {
                if queue.withLock({ $0.closed && $0.jobs.isEmpty }) { return }
                continue
            }
            do {
                // Opened on first use (and again after a failure), on this thread.
                let r = try reader ?? OnlineReader(path: path)
                reader = r
                job.reply.resume(returning: try job.lookups.map { l throws(OnlineReadError) in try r.read(view: l.view, key: l.key) })
            } catch {
                reader = nil
                job.reply.resume(throwing: error)
            }
        }
    }
}
