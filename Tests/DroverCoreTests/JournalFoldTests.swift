@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Journal compaction: a snapshot of records rebuilds the same coordinator")
struct JournalFoldTests {
    /// 12 jobs through every path: succeeded, failed after a retry, cancelled, held (poison),
    /// retry-wait, running, queued; idempotency keys on all of them.
    static func busyJournal() -> Harness {
        var config = CoordinatorConfig()
        config.poisonThreshold = 1
        config.backoff = Backoff(baseMs: 60_000, capMs: 60_000)
        var h = Harness(config: config)
        let specs = (1...12).map { JobSpec(kind: "noop", maxRetries: $0 == 2 ? 1 : 0, idempotencyKey: "k\($0)") }
        _ = h.submit(specs)
        let a = h.hello("w1", credit: 8).assignments(to: "w1")
        for x in a { _ = h.send("w1", .started([x.lease])) }
        _ = h.result("w1", a[0].lease, .succeeded)      // job 1 succeeded…
        _ = h.result("w1", a[1].lease, .failed, message: "boom") // job 2 waits to retry
        _ = h.cancel(a[2].jobID)       // job 3 cancelled
        h.flush()
        _ = h.result("w1", a[3].lease, .succeeded)
        _ = h.result("w1", a[4].lease, .succeeded)
        _ = h.tick(advanceMs: 20_000)                   // w1 dead: jobs 6–8 were running → held (poison)
        return h
    }

    /// Every job's state, evicted or not.
    static func states(_ core: CoordinatorCore, jobs: Int) -> [JobState?] {
        (1...jobs).map { core.evictedState(JobID($0)) ?? core.job(JobID($0))?.state }
    }

    @Test("a core recovered from the snapshot has the same jobs, states, history and idempotency keys",
          arguments: [0, 2, 100])
    func snapshotRecoversSameState(retain: Int) throws {
        let h = Self.busyJournal()
        var full = CoordinatorCore(config: h.core.config)
        _ = try full.recover(from: h.journal, now: h.now)

        let snapshot = MemoryJournal()
        var fold = JournalFold(retainFinished: retain)
        for r in h.records { fold.add(r) }
        fold.compact()
        for batch in fold.records() { try snapshot.append(batch) }
        var compacted = CoordinatorCore(config: h.core.config)
        _ = try compacted.recover(from: snapshot, now: h.now)

        #expect(Self.states(compacted, jobs: 12) == Self.states(full, jobs: 12))
        #expect(compacted.jobCounts == full.jobCounts)
        #expect(compacted.epoch == full.epoch)
        // Kept jobs keep their history; compacted ones answer like evicted ones.
        for id in JobID(1)...12 where compacted.job(id) != nil {
            #expect(compacted.jobInfo(id, wallOffsetMs: 0) == full.jobInfo(id, wallOffsetMs: 0), "job \(id)")
        }
        if retain == 0 { #expect(compacted.evictedState(1) == .succeeded) }
        // An idempotency key of a compacted job still names it.
        var again = compacted
        #expect(again.submit(from: client, requestID: 9, watch: false, specs: [JobSpec(kind: "noop", idempotencyKey: "k1")],
                             now: h.now).submittedIDs == [1])
    }

    @Test("compacting a snapshot plus the records after it equals compacting everything at once")
    func incremental() {
        let records = Self.busyJournal().records
        for cut in [0, 5, records.count / 2, records.count] {
            var first = JournalFold(retainFinished: 1)
            for r in records[..<cut] { first.add(r) }
            first.compact()
            var second = JournalFold(retainFinished: 1)
            for batch in first.records() { for r in batch { second.add(r) } }
            for r in records[cut...] { second.add(r) }
            second.compact()
            var once = JournalFold(retainFinished: 1)
            for r in records { once.add(r) }
            once.compact()
            #expect(second.records() == once.records(), "cut at \(cut)")
        }
    }

    @Test("the tally carries what the audit counts: attempts, re-queues, duplicates, orphans; every key stays")
    func tally() {
        var fold = JournalFold(retainFinished: 0)
        let spec = JobSpec(kind: "noop", idempotencyKey: "k")
        let lease = Lease(jobID: 1, attempt: 1, token: 7)
        for r: JournalRecord in [
            .submitted(1, spec, atMs: 1), .assigned(worker: "w", leases: [lease], atMs: 2),
            .requeued(1, cause: .workerLost, readyAtMs: 3, message: "", atMs: 3),
            .assigned(worker: "w", leases: [Lease(jobID: 1, attempt: 2, token: 8)], atMs: 4),
            .finished(1, attempt: 2, state: .succeeded, metrics: [:], message: "", atMs: 5),
            .submitted(2, spec, atMs: 6), .finished(2, attempt: 0, state: .failed, metrics: [:], message: "", atMs: 7),
            .finished(9, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 8),
        ] { fold.add(r) }
        fold.compact()
        fold.add(.finished(1, attempt: 3, state: .succeeded, metrics: [:], message: "", atMs: 9))
        let records = fold.records().flatMap { $0 }
        #expect(records.contains(.compactedJobs(first: 1, runs: [StateRun(state: .succeeded, count: 1), StateRun(state: .failed, count: 1)])))
        guard case .tally(let t)? = records.first(where: { if case .tally = $0 { true } else { false } }) else {
            Issue.record("no tally in \(records)")
            return
        }
        #expect(t.attempts == 2)
        #expect(t.requeues == [.workerLost: 1])
        #expect(t.duplicates == 1)
        #expect(t.orphans == 1)
        let keys = records.flatMap { r -> [KeyedJob] in if case .idempotencyKeys(let k) = r { k } else { [] } }
        #expect(keys == [KeyedJob(key: "k", job: 1), KeyedJob(key: "k", job: 2)]) // the audit sees the reuse
    }

    @Test("snapshot records survive the journal's binary encoding")
    func encoding() throws {
        var t = JournalTally()
        t.attempts = 3
        t.requeues = [.handedBack: 2]
        t.examples = [4, 5]
        let records: [JournalRecord] = [
            .compactedJobs(first: 1, runs: [StateRun(state: .cancelled, count: 70_000)]),
            .idempotencyKeys([KeyedJob(key: "é-key", job: 3)]), .tally(t),
        ]
        #expect(try JournalRecord.decodeBatch(JournalRecord.encodeBatch(records)) == records)
    }
}
