import DroverML
import Foundation
import NativeThreads
import Synchronization

/// Runs one model on a thread of its own and batches the requests that arrive while it is busy:
/// each pass takes every waiting request (up to `maxRows` rows), predicts them as one table and
/// answers each. No timer: an idle server answers a lone request at once, a busy one amortises
/// the transform and the tree walk over many rows.
///
/// A small request (≤ `inlineRows` rows) is predicted on the caller's own thread when no other
/// request is being predicted there: pure computation of a few µs (no file or socket call), and
/// it saves two thread hand-offs (to the batch thread and back), which under wrk cost more than
/// the prediction. Concurrent requests still go to the batch thread and are batched.
final class PredictionBatcher: Sendable {
    private struct Job {
        var rows: InputRows
        var reply: CheckedContinuation<[PredictionOutput], any Error>
    }

    private struct State: ~Copyable {
        var waiting: [Job] = []
        var closed = false
        var started = false
    }

    private let model: ModelFile
    private let maxRows: Int
    private let inlineRows: Int
    /// A request is being predicted on its caller's thread (one at a time).
    private let inlineBusy = Atomic<Bool>(false)
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Batches run and rows predicted (for tests and /metrics).
    let batches = Atomic<Int>(0)

    init(model: ModelFile, maxRows: Int, inlineRows: Int) {
        self.model = model
        self.maxRows = maxRows
        self.inlineRows = inlineRows
    }

    func predict(_ rows: InputRows) async throws -> [PredictionOutput] {
        if rows.count <= inlineRows, inlineBusy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            defer { inlineBusy.store(false, ordering: .releasing) }
            return predictNow(rows)
        }
        return try await withCheckedThrowingContinuation { reply in
            let start = state.withLock { s -> Bool? in
                if s.closed { return nil }
                s.waiting.append(Job(rows: rows, reply: reply))
                defer { s.started = true }
                return !s.started
            }
            guard let start else {
                reply.resume(throwing: RequestError(status: 503, code: "unavailable", "this model version is being unloaded; retry"))
                return
            }
            if start {
                do {
                    try NativeThread.start { [self] in loop() }.detach()
                } catch {
                    fail(error)
                    return
                }
            }
            wake.signal()
        }
    }

    /// Whether the batch thread was started (a request went to it).
    var threadStarted: Bool { state.withLock { $0.started } }

    /// Answers what is waiting, then lets the thread end.
    func close() {
        state.withLock { $0.closed = true }
        wake.signal()
    }

    private func fail(_ error: any Error) {
        let jobs = state.withLock { s -> [Job] in defer { s.waiting = [] }; return s.waiting }
        for j in jobs { j.reply.resume(throwing: error) }
    }

    private func loop() {
        while true {
            wake.wait()
            while true {
                let (jobs, closed) = state.withLock { s -> ([Job], Bool) in
                    var rows = 0
                    var taken = 0
                    while taken < s.waiting.count, taken == 0 || rows + s.waiting[taken].rows.count <= maxRows {
                        rows += s.waiting[taken].rows.count
                        taken += 1
                    }
                    defer { s.waiting.removeFirst(taken) }
                    return (Array(s.waiting.prefix(taken)), s.closed)
                }
                if jobs.isEmpty {
                    if closed { return }
                    break
                }
                run(jobs)
            }
        }
    }

    private func run(_ jobs: [Job]) {
        let outputs = predictNow(InputRows.concatenate(jobs.map(\.rows)))
        var offset = 0
        for job in jobs {
            job.reply.resume(returning: Array(outputs[offset..<offset + job.rows.count]))
            offset += job.rows.count
        }
    }

    /// Predicts one batch on the current thread (the model is immutable: any thread may).
    func predictNow(_ rows: InputRows) -> [PredictionOutput] {
        let table = rows.table(model.signature)
        let p = model.predict(features: model.transform.apply(table), threads: 1)
        batches.add(1, ordering: .relaxed)
        return PredictionOutput.rows(p, label: model.label, count: rows.count)
    }
}
