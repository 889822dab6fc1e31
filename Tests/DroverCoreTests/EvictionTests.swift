@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Evicting finished jobs from memory")
struct EvictionTests {
    /// Runs `count` no-op jobs to success through one worker.
    func runJobs(_ h: inout Harness, count: Int) -> [JobID] {
        let submitted = h.submit(Array(repeating: JobSpec(kind: "noop"), count: count))
        let ids = submitted.submittedIDs
        let target = h.core.stateCounts[Int(JobState.succeeded.rawValue)] + count
        var pending = submitted.assignments(to: "w")
        var guardSteps = 0
        while h.core.stateCounts[Int(JobState.succeeded.rawValue)] < target, guardSteps < 10_000 {
            guardSteps += 1
            if pending.isEmpty { pending = h.tick(advanceMs: 1).assignments(to: "w") }
            guard let a = pending.first else { continue }
            pending.removeFirst()
            pending += h.result("w", a.lease, .succeeded).assignments(to: "w")
        }
        return ids
    }

    func config(retain: Int) -> CoordinatorConfig {
        var c = CoordinatorConfig()
        c.retainFinished = retain
        return c
    }

    @Test("memory holds at most about 1.5 × retainFinished finished jobs, whatever has run")
    func finishedJobsAreEvicted() {
        var h = Harness(config: config(retain: 20))
        _ = h.hello("w", credit: 8)
        let ids = runJobs(&h, count: 200)
        #expect(ids.count == 200)
        #expect(h.core.stateCounts[Int(JobState.succeeded.rawValue)] == 200)
        #expect(h.core.jobs.count <= 30)
        #expect(h.core.evictedCount >= 170)
        #expect(h.core.table.transitions.entries.count <= 30 * 4)
        // Evicted jobs still answer: status and DONE.
        let info = h.core.jobInfo(1, wallOffsetMs: 0)
        #expect(info?.state == "succeeded")
        h.feed { $0.watch(from: peer("late"), jobIDs: [1, 200]) }
        let e = h.flush()
        #expect(e.toClients.contains { if case .done(let jobs) = $0.reply { jobs.count == 2 } else { false } })
        // New ids continue after the evicted ones and their histories are intact.
        let next = h.submitIDs([JobSpec(kind: "noop")])
        #expect(next == [201])
        #expect(h.core.jobInfo(200, wallOffsetMs: 0)?.history.map(\.state) == ["queued", "assigned", "succeeded"])
        #expect(h.cancel(1) == .invalid("job 1 already ended: succeeded"))
    }

    @Test("a restart replays everything, then evicts again to the same counts")
    func recoveryEvictsAgain() {
        var h = Harness(config: config(retain: 10))
        _ = h.hello("w", credit: 4)
        _ = runJobs(&h, count: 100)
        let counts = h.core.stateCounts
        _ = h.restart()
        #expect(h.core.stateCounts == counts)
        #expect(h.core.jobs.count <= 15)
        #expect(h.submitIDs([JobSpec(kind: "noop")]) == [101])
    }

    @Test("an unfinished job at the head holds eviction back but is never evicted")
    func unfinishedJobIsKept() {
        var h = Harness(config: config(retain: 5))
        let first = h.submitIDs([JobSpec(kind: "noop", tags: ["gpu"])]) // never dispatched: no gpu worker
        _ = h.hello("w", credit: 4)
        _ = runJobs(&h, count: 50)
        #expect(h.core.evictedCount == 0)
        #expect(h.core.job(first[0])?.state == .queued)
    }
}
