@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Submitting jobs")
struct SubmitTests {
    @Test("the SUBMITTED reply travels in the same Effects as the journal records of its jobs")
    func journalsBeforeReply() {
        var h = Harness()
        let e = h.submit([JobSpec(kind: "noop"), JobSpec(kind: "noop")])
        #expect(e.submittedIDs == [1, 2])
        #expect(e.submittedRecords == [1, 2])
        #expect(h.records.contains { if case .submitted(2, _, _) = $0 { true } else { false } })
    }

    @Test("a submit above the queue bound answers BUSY and journals nothing")
    func queueBoundAnswersBusy() {
        var config = CoordinatorConfig()
        config.maxQueued = 2
        var h = Harness(config: config)
        _ = h.submit([JobSpec(kind: "noop")])
        let e = h.submit([JobSpec(kind: "noop"), JobSpec(kind: "noop")])
        #expect(e.journal.isEmpty)
        #expect(e.submittedIDs.isEmpty)
        guard case .busy(_, let after, let queued, let limit) = e.toClients.first?.reply else {
            Issue.record("expected BUSY, got \(e.toClients)"); return
        }
        #expect(after == config.busyRetryAfterMs)
        #expect(queued == 1)
        #expect(limit == 2)
        #expect(h.core.jobs.count == 1)
    }

    @Test("resubmitting with a known idempotency key returns the first job's id and journals nothing")
    func idempotencyKeyReturnsSameID() {
        var h = Harness()
        let first = h.submitIDs([JobSpec(kind: "noop", idempotencyKey: "k1")])
        let e = h.submit([JobSpec(kind: "noop", idempotencyKey: "k1")])
        #expect(e.submittedIDs == first)
        #expect(e.journal.isEmpty)
        #expect(h.core.jobs.count == 1)
    }

    @Test("the same idempotency key twice in one batch makes one job")
    func idempotencyWithinOneBatch() {
        var h = Harness()
        let ids = h.submitIDs([JobSpec(kind: "a", idempotencyKey: "k"), JobSpec(kind: "b"), JobSpec(kind: "a", idempotencyKey: "k")])
        #expect(ids == [1, 2, 1])
        #expect(h.core.jobs.count == 2)
    }

    @Test("a batch whose only new job is a repeated key still fits a full queue")
    func repeatedKeysDoNotCountAgainstTheBound() {
        var config = CoordinatorConfig()
        config.maxQueued = 1
        var h = Harness(config: config)
        let e = h.submit([JobSpec(kind: "a", idempotencyKey: "k"), JobSpec(kind: "a", idempotencyKey: "k")])
        #expect(e.submittedIDs == [1, 1])
    }

    @Test("an idempotency key is remembered across a restart")
    func idempotencyAfterRecovery() {
        var h = Harness()
        let first = h.submitIDs([JobSpec(kind: "noop", idempotencyKey: "survives")])
        _ = h.restart()
        #expect(h.submitIDs([JobSpec(kind: "noop", idempotencyKey: "survives")]) == first)
        #expect(h.core.jobs.count == 1)
    }

    @Test("a spec with an empty kind is refused with a message saying what to give")
    func emptyKindRefused() {
        var h = Harness()
        let e = h.submit([JobSpec(kind: "")])
        #expect(e.journal.isEmpty)
        guard case .error(_, .badRequest, let text) = e.toClients.first?.reply else { Issue.record("expected error"); return }
        #expect(text.contains("kind is empty"))
    }

    @Test("watching a job sends DONE exactly once, when it reaches a terminal state")
    func watchSendsDoneOnce() {
        var h = Harness()
        let ids = h.submit([JobSpec(kind: "noop")], watch: true).submittedIDs
        let a = h.hello("w1", credit: 1).assignments(to: "w1")
        #expect(h.send("w1", .started([a[0].lease])).done.isEmpty)
        let e = h.result("w1", a[0].lease, .succeeded)
        #expect(e.done == [.init(jobID: ids[0], state: .succeeded)])
        #expect(e.toClients.first?.peer == client)
        // A duplicate result and later events send nothing more.
        #expect(h.result("w1", a[0].lease, .succeeded).done.isEmpty)
        #expect(h.tick(advanceMs: 1_000).done.isEmpty)
    }

    @Test("watching an already finished job reports it at once")
    func watchTerminalJob() {
        var h = Harness()
        let id = h.submitIDs([JobSpec(kind: "noop")])[0]
        #expect(h.cancel(id) == .done(.cancelled))
        h.flush()
        h.feed { $0.watch(from: client, jobIDs: [id]) }
        #expect(h.flush().done == [.init(jobID: id, state: .cancelled)])
    }
}

@Suite("Watching: regressions found by the simulation")
struct WatchRegressionTests {
    @Test("a watch listing a finished job twice reports it once")
    func repeatedIDReportedOnce() {
        var h = Harness()
        let id = h.submitIDs([JobSpec(kind: "noop", idempotencyKey: "k")])[0]
        _ = h.cancel(id)
        h.flush()
        // The same key twice in one watched batch: ids [1, 1].
        let e = h.submit([JobSpec(kind: "noop", idempotencyKey: "k"), JobSpec(kind: "noop", idempotencyKey: "k")], watch: true)
        #expect(e.submittedIDs == [id, id])
        #expect(e.done == [.init(jobID: id, state: .cancelled)])
    }
}

@Suite("Watching clients")
struct WatchingClientTests {
    @Test("one-shot clients whose watches ended do not accumulate in the coordinator")
    func idleClientsAreRecycled() {
        var h = Harness()
        _ = h.hello("w", credit: 1_000)
        for i in 0..<500 {
            let e = h.submit([JobSpec(kind: "noop")], watch: true, from: peer("cli-\(i)"))
            let lease = e.assignments(to: "w").first!.lease
            let done = h.result("w", lease, .succeeded)
            #expect(done.toClients.contains { $0.peer == peer("cli-\(i)") })
        }
        #expect(h.core.watches.activeClients <= 64)
        // A recycled slot still routes DONE to its new owner.
        let e = h.submit([JobSpec(kind: "noop")], watch: true, from: peer("late"))
        let done = h.result("w", e.assignments(to: "w").first!.lease, .succeeded)
        #expect(done.toClients.contains { $0.peer == peer("late") })
    }
}
