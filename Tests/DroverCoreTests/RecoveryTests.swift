@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Recovery from the journal after a coordinator crash")
struct RecoveryTests {
    /// Two jobs on w1 (1 running, 2 assigned), then a crash and restart.
    static func twoLeasedThenRestart() -> (Harness, [Assignment]) {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop"), JobSpec(kind: "noop")])
        let a = h.hello("w1", credit: 2).assignments(to: "w1")
        _ = h.send("w1", .started([a[0].lease]))
        _ = h.restart()
        return (h, a)
    }

    @Test("after replay, leased attempts keep their state and wait for their worker to reclaim them")
    func leasedAttemptsWait() {
        var (h, a) = Self.twoLeasedThenRestart()
        // STARTED is not journaled (it is not a decision): a running attempt recovers as assigned.
        #expect(h.state(a[0].jobID) == .assigned)
        #expect(h.state(a[1].jobID) == .assigned)
        #expect(h.core.job(a[0].jobID)?.workerName == -1)
        #expect(h.core.job(a[0].jobID)?.token == a[0].token)
        // Another worker with credit gets nothing: these jobs are not queued.
        #expect(h.hello("w2", credit: 2).allAssignments.isEmpty)
    }

    @Test("a HELLO that lists a held lease re-attaches it without a re-run, and its result commits")
    func helloReattaches() {
        var (h, a) = Self.twoLeasedThenRestart()
        let e = h.hello("w1", credit: 1, held: [a[0].lease])
        #expect(e.assignments(to: "w1").isEmpty)
        #expect(e.cancels(to: "w1").isEmpty)
        #expect(h.core.workers[peer("w1")]?.outstanding[a[0].jobID] == a[0].token)
        let info = h.core.jobInfo(a[0].jobID, wallOffsetMs: 0)
        #expect(info?.history.last?.cause == "reattachedAfterRestart")
        #expect(info?.worker == "w1")
        _ = h.result("w1", a[0].lease, .succeeded, credit: 0)
        #expect(h.state(a[0].jobID) == .succeeded)
        #expect(h.finishedRecords(a[0].jobID).count == 1)
    }

    @Test("attempts nobody reclaims are re-queued after leaseMs with a new attempt")
    func unclaimedRequeued() {
        var (h, a) = Self.twoLeasedThenRestart()
        _ = h.hello("w1", credit: 1, held: [a[0].lease])
        #expect(h.tick(advanceMs: h.core.config.leaseMs - 1).allAssignments.isEmpty)
        _ = h.send("w1", .heartbeat)
        let e = h.tick(advanceMs: 1)
        #expect(e.journal.contains(.requeued(a[1].jobID, cause: .unclaimedAfterRestart, readyAtMs: h.now, message: "", atMs: h.now)))
        let again = e.assignments(to: "w1")
        #expect(again.map(\.jobID) == [a[1].jobID])
        #expect(again.first?.attempt == 2)
        // The re-attached one was not touched.
        #expect(h.state(a[0].jobID) == .assigned)
        #expect(h.core.job(a[0].jobID)?.token == a[0].token)
    }

    @Test("a restart increments the epoch and tokens of the new epoch differ from the old")
    func epochAndTokens() {
        var (h, a) = Self.twoLeasedThenRestart()
        #expect(h.core.epoch == 2)
        #expect(a.allSatisfy { $0.token >> 32 == 1 })
        _ = h.tick(advanceMs: h.core.config.leaseMs)
        let b = h.hello("w2", credit: 2).assignments(to: "w2")
        #expect(b.count == 2)
        #expect(b.allSatisfy { $0.token >> 32 == 2 })
        #expect(Set(b.map(\.token)).isDisjoint(with: a.map(\.token)))
        // A third incarnation: epoch 3.
        _ = h.restart()
        #expect(h.core.epoch == 3)
    }

    @Test("a HELLO listing a lease that was superseded gets a CANCEL for it")
    func staleLeaseCancelled() {
        var (h, a) = Self.twoLeasedThenRestart()
        _ = h.tick(advanceMs: h.core.config.leaseMs)
        _ = h.hello("w2", credit: 2) // takes both jobs as attempt 2
        let stale = h.hello("w1", credit: 0, held: [a[0].lease])
        #expect(stale.cancels(to: "w1") == [a[0].lease])
        #expect(h.core.workers[peer("w1")]?.outstanding.isEmpty == true)
    }

    @Test("recovered state equals the state before the crash")
    func recoveredStateMatches() {
        var h = Harness()
        _ = h.submit((0..<6).map { JobSpec(kind: "noop", maxRetries: $0 == 2 ? 1 : 0) })
        let a = h.hello("w1", credit: 4).assignments(to: "w1")
        _ = h.result("w1", a[0].lease, .succeeded, credit: 0)
        _ = h.result("w1", a[1].lease, .failed, credit: 0)
        _ = h.result("w1", a[2].lease, .failed, credit: 0)
        _ = h.cancel(5)
        h.flush()
        let before = h.core.jobs.map(\.state)
        _ = h.restart()
        #expect(h.core.jobs.map(\.state) == before)
        #expect(h.core.stateCounts == CoordinatorCore(config: h.core.config).stateCountsAfterReplay(of: h.journal))
    }

    @Test("a coordinator timeout is still enforced for an attempt re-attached after a restart")
    func timeoutAfterRecovery() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "sleep", timeoutMs: 1_000)])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.send("w1", .started([a.lease]))
        _ = h.restart(advanceMs: 100)
        _ = h.hello("w1", credit: 0, held: [a.lease])
        let e = h.tick(advanceMs: 1_000 + h.core.config.timeoutGraceMs)
        #expect(h.state(a.jobID) == .timedOut)
        #expect(e.cancels(to: "w1") == [a.lease])
    }

    @Test("a retry wait survives a restart and ends on time")
    func retryWaitSurvivesRestart() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "fail", maxRetries: 1)])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.result("w1", a.lease, .failed, credit: 0)
        let readyAt = h.core.job(a.jobID)!.timerMs
        _ = h.restart(advanceMs: 0)
        #expect(h.state(a.jobID) == .retryWait)
        _ = h.hello("w1", credit: 1)
        let e = h.tick(advanceMs: readyAt - h.now)
        #expect(e.assignments(to: "w1").map(\.attempt) == [2])
    }
}

extension CoordinatorCore {
    /// State counts of a core rebuilt from `journal` (replay only, no new epoch).
    func stateCountsAfterReplay(of journal: MemoryJournal) -> [Int] {
        var core = self
        _ = try! core.recover(from: journal, now: 0)
        return core.stateCounts
    }
}

@Suite("Recovery: regressions")
struct RecoveryRegressionTests {
    @Test("a HELLO listing an attempt of a job cancelled while the coordinator was down gets a CANCEL")
    func cancelledWhileUnclaimedGetsCancel() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "train")])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.send("w1", .started([a.lease]))
        _ = h.restart()
        // Cancelled before its worker reclaimed it: no worker to tell yet.
        #expect(h.cancel(a.jobID) == .done(.cancelled))
        #expect(h.flush().toWorkers.isEmpty)
        // The worker comes back still running it: it must be told to stop.
        #expect(h.hello("w1", credit: 0, held: [a.lease]).cancels(to: "w1") == [a.lease])
    }

    @Test("a HELLO listing an attempt the coordinator timed out gets a CANCEL")
    func timedOutByCoordinatorGetsCancel() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "sleep", timeoutMs: 100)])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.send("w1", .started([a.lease]))
        // The worker is cut off; the coordinator times the job out, then the worker reconnects.
        _ = h.tick(advanceMs: 100 + h.core.config.timeoutGraceMs)
        #expect(h.state(a.jobID) == .timedOut)
        #expect(h.hello("w1", credit: 0, held: [a.lease]).cancels(to: "w1") == [a.lease])
    }

    @Test("a HELLO listing the attempt whose result was committed gets no CANCEL (its result is only unacknowledged)")
    func committedAttemptNotCancelled() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.result("w1", a.lease, .succeeded)
        #expect(h.hello("w1", credit: 1, held: [a.lease]).cancels(to: "w1").isEmpty)
    }
}

@Suite("Crashes around the journal write")
struct CrashPointTests {
    @Test("a crash before the journal write forgets the submit, which the client never saw acknowledged")
    func crashBeforeJournalWrite() {
        var h = Harness()
        let now = h.now
        h.feed { $0.submit(from: client, requestID: 1, watch: false, specs: [JobSpec(kind: "noop", idempotencyKey: "k")], now: now) }
        let lost = h.takeBatch() // never appended, never sent
        #expect(lost.submittedIDs == [1])
        _ = h.restart()
        #expect(h.core.jobs.isEmpty)
        #expect(h.submitIDs([JobSpec(kind: "noop", idempotencyKey: "k")]) == [1])
        #expect(h.core.jobs.count == 1)
    }

    @Test("a crash between the journal write and the sends: the resubmit gets the journaled id")
    func crashAfterJournalWriteSubmit() {
        var h = Harness()
        let now = h.now
        h.feed { $0.submit(from: client, requestID: 1, watch: false, specs: [JobSpec(kind: "noop", idempotencyKey: "k")], now: now) }
        let e = h.takeBatch()
        try! h.journal.append(e.journal) // durable, but the SUBMITTED reply is lost
        _ = h.restart()
        #expect(h.submitIDs([JobSpec(kind: "noop", idempotencyKey: "k")]) == [1])
        #expect(h.core.jobs.count == 1)
    }

    @Test("an assignment journaled but never sent is re-queued once the reclaim window passes")
    func crashAfterJournalWriteAssign() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        let now = h.now
        h.feed { $0.workerMessage(from: peer("w1"), .hello(.init(name: "w1", slots: 1, credit: 1, tags: [], kinds: [], held: [])), now: now) }
        let e = h.takeBatch()
        #expect(e.allAssignments.count == 1)
        try! h.journal.append(e.journal) // ASSIGN never reaches w1
        _ = h.restart()
        #expect(h.hello("w1", credit: 1).allAssignments.isEmpty)
        for _ in 0..<9 {
            #expect(h.tick(advanceMs: h.core.config.leaseMs / 10).allAssignments.isEmpty)
            _ = h.send("w1", .heartbeat)
        }
        let again = h.tick(advanceMs: h.core.config.leaseMs / 10).assignments(to: "w1")
        #expect(again.map(\.attempt) == [2])
        #expect(again.first.map { $0.token >> 32 } == 2)
    }
}
