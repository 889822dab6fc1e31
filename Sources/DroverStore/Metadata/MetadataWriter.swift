import Foundation

/// The metadata store's single writer: a dedicated thread draining a bounded queue, one SQLite
/// transaction per drained batch. Callers never touch SQLite:
///
/// - `offer(_:)` never blocks and never suspends (for the coordinator's socket thread); it
///   returns false when the queue is full, and the caller decides (retry on its next tick).
/// - `record(_:)` suspends the calling task while the queue is full (back-pressure), without
///   blocking a thread of the cooperative pool.
/// - `flush()` waits until everything accepted before it is committed and reports events the
///   store rejected since the last flush.
///
/// `@unchecked Sendable`: every mutable field is read and written only with `cond` held.
final class MetadataWriter: @unchecked Sendable {
    /// Applies one batch in one transaction; returns the events it rejected (logical errors such
    /// as a changed param) and throws when the whole batch failed (I/O, disk full).
    typealias Apply = @Sendable ([MetadataEvent]) throws -> [MetadataStoreError]

    let capacity: Int
    private let apply: Apply
    private let cond = NSCondition()
    private var queue: [MetadataEvent] = []
    /// Tasks suspended in `record(_:)` while the queue was full, each with its event.
    private var waiting: [(MetadataEvent, CheckedContinuation<Void, Never>)] = []
    private var accepted: UInt64 = 0
    private var committed: UInt64 = 0
    private var flushWaiters: [(UInt64, CheckedContinuation<Void, Error>)] = []
    private var errors: [MetadataStoreError] = []
    private var stopping = false
    private var stopped = false
    private(set) var batches = 0

    init(capacity: Int, apply: @escaping Apply) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.apply = apply
        let thread = Thread { [self] in self.loop() }
        thread.name = "drover.metadata.writer"
        thread.start()
    }

    /// Non-blocking: enqueues and returns true, or returns false when the queue is full or closed.
    func offer(_ event: MetadataEvent) -> Bool {
        cond.lock(); defer { cond.unlock() }
        guard !stopping, waiting.isEmpty, queue.count < capacity else { return false }
        enqueueLocked(event)
        return true
    }

    /// Enqueues, suspending while the queue is full. Events recorded after `close()` are dropped
    /// and reported by the next `flush()`.
    func record(_ event: MetadataEvent) async {
        if offer(event) { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            cond.lock(); defer { cond.unlock() }
            if stopping {
                errors.append(.closed)
                c.resume()
            } else if waiting.isEmpty && queue.count < capacity {
                enqueueLocked(event)
                c.resume()
            } else {
                waiting.append((event, c))
            }
        }
    }

    /// Waits until every event accepted so far is committed; throws what was rejected meanwhile.
    func flush() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            cond.lock(); defer { cond.unlock() }
            let target = accepted + UInt64(waiting.count)
            if committed >= target || stopped {
                c.resume(with: takeErrorsLocked())
            } else {
                flushWaiters.append((target, c))
            }
        }
    }

    /// Blocking flush for threads outside the cooperative pool (shutdown, benchmarks).
    func flushBlocking() throws {
        cond.lock(); defer { cond.unlock() }
        let target = accepted + UInt64(waiting.count)
        while committed < target && !stopped { cond.wait() }
        try takeErrorsLocked().get()
    }

    /// Drains what is queued, then stops the thread. Blocks until it has stopped.
    func close() {
        cond.lock()
        stopping = true
        cond.broadcast()
        while !stopped { cond.wait() }
        cond.unlock()
    }

    var pending: Int {
        cond.lock(); defer { cond.unlock() }
        return queue.count + waiting.count
    }

    private func enqueueLocked(_ event: MetadataEvent) {
        queue.append(event)
        accepted += 1
        if queue.count == 1 { cond.broadcast() }
    }

    private func takeErrorsLocked() -> Result<Void, Error> {
        guard !errors.isEmpty else { return .success(()) }
        defer { errors = [] }
        return .failure(errors.count == 1 ? errors[0] : MetadataStoreError.rejected(errors))
    }

    private func loop() {
        while true {
            cond.lock()
            while queue.isEmpty && waiting.isEmpty && !stopping { cond.wait() }
            if queue.isEmpty && waiting.isEmpty && stopping {
                stopped = true
                let waiters = flushWaiters
                flushWaiters = []
                let result = takeErrorsLocked()
                cond.broadcast()
                cond.unlock()
                for (_, c) in waiters { c.resume(with: result) }
                return
            }
            let batch = queue
            queue = []
            queue.reserveCapacity(min(capacity, batch.count))
            // Admit suspended writers into the space just freed, in arrival order.
            let admit = min(waiting.count, capacity)
            let admitted = waiting.prefix(admit)
            waiting.removeFirst(admit)
            for (e, _) in admitted { queue.append(e); accepted += 1 }
            let batchEnd = accepted - UInt64(queue.count)
            cond.unlock()
            for (_, c) in admitted { c.resume() }

            var rejected: [MetadataStoreError]
            do {
                rejected = try apply(batch)
            } catch let e as MetadataStoreError {
                rejected = [e]
            } catch {
                rejected = [.write(operation: "batch of \(batch.count) events", reason: "\(error)")]
            }

            cond.lock()
            batches += 1
            committed = batchEnd
            errors += rejected
            var ready: [CheckedContinuation<Void, Error>] = []
            flushWaiters.removeAll { target, c in
                guard target <= committed else { return false }
                ready.append(c)
                return true
            }
            let result = ready.isEmpty ? .success(()) : takeErrorsLocked()
            cond.broadcast()
            cond.unlock()
            for c in ready { c.resume(with: result) }
        }
    }
}
