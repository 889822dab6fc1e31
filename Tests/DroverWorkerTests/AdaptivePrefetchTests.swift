import DroverCore
import DroverProtocol
import Testing

@Suite("Adaptive prefetch: a worker holds about 2 ms of work per slot, between its floor and ceiling")
struct AdaptivePrefetchTests {
    /// A welcomed session with 2 slots, prefetch adaptive between 2 and 64.
    func adaptive() -> WorkerSession {
        var c = S.config(slots: 2, prefetch: 2)
        c.maxPrefetch = 64
        var s = WorkerSession(config: c, seed: 7)
        _ = s.connected(now: 0)
        _ = s.received(S.welcome(), now: 1)
        return s
    }

    func finished(_ a: Assignment, micros: UInt64) -> AttemptResult {
        AttemptResult(lease: a.lease, outcome: .succeeded, durationMicros: micros)
    }

    @Test("a fixed prefetch returns one credit per finished attempt, however short the jobs")
    func fixedPrefetchNeverMoves() {
        var s = S.welcomed(slots: 2, prefetch: 2)
        _ = s.received(.assign([S.job(1), S.job(2)]), now: 2)
        let back = s.executorsReturned([finished(S.job(1), micros: 0), finished(S.job(2), micros: 0)], now: 3)
        #expect(back.results.credit == 2)
        #expect(s.prefetchNow == 2)
    }

    @Test("instant jobs raise the prefetch to its ceiling at once: the extra credit rides on the RESULTS")
    func instantJobsGrowToCeiling() {
        var s = adaptive()
        _ = s.received(.assign([S.job(1), S.job(2)]), now: 2)
        let back = s.executorsReturned([finished(S.job(1), micros: 0), finished(S.job(2), micros: 0)], now: 3)
        #expect(s.prefetchNow == 64)
        #expect(back.results.credit == 2 + 62)
        #expect(s.connected(now: 4).hello?.credit == 66) // a new HELLO offers the grown capacity
    }

    @Test("jobs of 1 ms hold 2 per slot; jobs of 2 ms or more stay at the floor")
    func targetFollowsDuration() {
        var s = adaptive()
        _ = s.received(.assign([S.job(1), S.job(2)]), now: 2)
        _ = s.executorsReturned([finished(S.job(1), micros: 1_000)], now: 3)
        #expect(s.prefetchNow == 4)
        var slow = adaptive()
        _ = slow.received(.assign([S.job(1)]), now: 2)
        let back = slow.executorsReturned([finished(S.job(1), micros: 5_000)], now: 3)
        #expect(slow.prefetchNow == 2)
        #expect(back.results.credit == 1)
    }

    @Test("when jobs turn long the prefetch shrinks: waiting attempts beyond it are handed back and credit is withheld")
    func longJobsShrinkAndHandBack() {
        var s = adaptive()
        _ = s.received(.assign([S.job(1), S.job(2)]), now: 2)
        _ = s.executorsReturned([finished(S.job(1), micros: 0), finished(S.job(2), micros: 0)], now: 3)
        #expect(s.prefetchNow == 64)
        let jobs = (3...22).map { S.job(JobID($0)) }
        #expect(s.received(.assign(jobs), now: 4).started == [3, 4])
        // Two jobs of 100 ms: the mean jumps far above 2 ms, so the target is the floor (2).
        let back = s.executorsReturned([finished(jobs[0], micros: 100_000), finished(jobs[1], micros: 100_000)], now: 104)
        #expect(s.prefetchNow == 2)
        let handedBack = back.results.results.filter { $0.outcome == .handedBack }.map(\.lease.jobID)
        #expect(handedBack == Array((9...22).reversed())) // newest first, down to slots + prefetch = 4 held
        #expect(back.started == [5, 6])
        #expect(s.runningCount == 2 && s.waitingCount == 2)
        // The coordinator still believes in a larger capacity: what it sends next goes straight back.
        let extra = s.received(.assign([S.job(30)]), now: 105)
        #expect(extra.results.results.map(\.outcome) == [.handedBack])
        #expect(extra.results.credit == 0)
    }

    @Test("results of attempts run inline wait for flush and leave in one RESULTS")
    func deferredFlushCoalesces() {
        var s = S.welcomed(slots: 1, prefetch: 3)
        let jobs = (1...4).map { S.job(JobID($0), kind: "echo") }
        var effects = s.received(.assign(jobs), now: 2)
        var sent: [WorkerMessage] = effects.sent
        while !effects.started.isEmpty {
            let done = jobs.filter { effects.started.contains($0.jobID) }.map { finished($0, micros: 0) }
            effects = s.executorsReturned(done, now: 3, flush: false)
            sent += effects.sent
        }
        #expect(sent.isEmpty)
        let flushed = s.flush(now: 3)
        #expect(flushed.sent.count == 1)
        #expect(flushed.results.results.count == 4 && flushed.results.credit == 4)
    }
}
