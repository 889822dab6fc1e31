@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Dispatching to workers: credits, priorities, tags")
struct DispatchTests {
    @Test("a worker never gets more assignments than the credit it granted")
    func creditBoundsAssignments() {
        var h = Harness()
        _ = h.submit((0..<10).map { _ in JobSpec(kind: "noop") })
        let first = h.hello("w1", credit: 3).assignments(to: "w1")
        #expect(first.count == 3)
        #expect(h.tick(advanceMs: 10).allAssignments.isEmpty)
        // One result returns one credit: exactly one more assignment.
        let next = h.result("w1", first[0].lease, .succeeded, credit: 1).assignments(to: "w1")
        #expect(next.count == 1)
        // A bare CREDIT(2) gives two more.
        #expect(h.send("w1", .credit(2)).assignments(to: "w1").count == 2)
        #expect(h.core.workers[peer("w1")]?.credit == 0)
        #expect(h.core.workers[peer("w1")]?.outstanding.count == 5)
    }

    @Test("a worker with zero credit gets nothing")
    func zeroCredit() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        #expect(h.hello("w1", credit: 0).allAssignments.isEmpty)
        #expect(h.state(1) == .queued)
    }

    @Test("jobs are assigned high priority first, then normal, then low")
    func priorities() {
        var h = Harness()
        let low = h.submitIDs([JobSpec(kind: "noop", priority: .low)])[0]
        let normal = h.submitIDs([JobSpec(kind: "noop", priority: .normal)])[0]
        let high = h.submitIDs([JobSpec(kind: "noop", priority: .high)])[0]
        var order: [JobID] = []
        var a = h.hello("w1", credit: 1).assignments(to: "w1")
        while let next = a.first {
            order.append(next.jobID)
            a = h.result("w1", next.lease, .succeeded, credit: 1).assignments(to: "w1")
        }
        #expect(order == [high, normal, low])
    }

    @Test("within one priority, older jobs go first")
    func fifoWithinPriority() {
        var h = Harness()
        _ = h.submit((0..<5).map { _ in JobSpec(kind: "noop") })
        #expect(h.hello("w1", credit: 5).assignments(to: "w1").map(\.jobID) == [1, 2, 3, 4, 5])
    }

    @Test("a gpu job goes only to a worker offering gpu")
    func tagsMatch() {
        var h = Harness()
        let gpuJob = h.submitIDs([JobSpec(kind: "noop", tags: ["gpu"])])[0]
        #expect(h.hello("cpu-worker", credit: 4).allAssignments.isEmpty)
        #expect(h.state(gpuJob) == .queued)
        let info = h.core.jobInfo(gpuJob, wallOffsetMs: 0)
        #expect(info?.reason.contains("no connected worker offers the tags gpu") == true)

        let a = h.hello("gpu-worker", credit: 1, tags: ["gpu", "ssd"]).assignments(to: "gpu-worker")
        #expect(a.map(\.jobID) == [gpuJob])
    }

    @Test("an untagged job may go to a tagged worker, and a tagged job does not block it")
    func tagsDoNotBlockOthers() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop", tags: ["gpu"]), JobSpec(kind: "noop")])
        #expect(h.hello("cpu", credit: 2).assignments(to: "cpu").map(\.jobID) == [2])
    }

    @Test("the reason for a queued job says when no worker is connected")
    func reasonWithoutWorkers() {
        var h = Harness()
        let id = h.submitIDs([JobSpec(kind: "noop")])[0]
        #expect(h.core.jobInfo(id, wallOffsetMs: 0)?.reason == "queued: no worker is connected")
    }

    @Test("work is shared between workers rather than all given to the first")
    func fairShare() {
        var h = Harness()
        _ = h.hello("w1", credit: 10)
        _ = h.hello("w2", credit: 10)
        let e = h.submit((0..<10).map { _ in JobSpec(kind: "noop") })
        #expect(e.assignments(to: "w1").count == 5)
        #expect(e.assignments(to: "w2").count == 5)
    }

    @Test("each assignment is journaled before it is sent, with a fresh token")
    func assignmentsAreJournaled() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop"), JobSpec(kind: "noop")])
        let e = h.hello("w1", credit: 2)
        let leases = e.assignments(to: "w1").map(\.lease)
        #expect(e.journal.contains(.assigned(worker: "w1", leases: leases, atMs: h.now)))
        #expect(Set(leases.map(\.token)).count == 2)
        #expect(leases.allSatisfy { $0.attempt == 1 && $0.token >> 32 == h.core.epoch })
    }
}

@Suite("Dispatch as its own event")
struct DispatchEventTests {
    @Test("events only record; jobs are leased when the shell calls dispatch(now:), and one ASSIGN never exceeds maxAssignBatch")
    func dispatchIsExplicit() {
        var config = CoordinatorConfig()
        config.maxAssignBatch = 4
        var core = CoordinatorCore(config: config)
        _ = try! core.recover(from: MemoryJournal(), now: 0)
        _ = core.workerMessage(from: peer("w"), .hello(.init(name: "w", slots: 10, credit: 10, tags: [], kinds: [], held: [])), now: 0)
        let submitted = core.submit(from: client, requestID: 1, watch: false,
                                    specs: (0..<10).map { _ in JobSpec(kind: "noop") }, now: 0)
        #expect(submitted.allAssignments.isEmpty)
        #expect(core.job(1)?.state == .queued)
        var sizes: [Int] = []
        for now in Int64(1)...3 {
            let e = core.dispatch(now: now)
            #expect(e.journal.count == 1) // one `assigned` record per worker and dispatch
            sizes += e.toWorkers.compactMap { m -> Int? in if case .assign(let l) = m.message { l.count } else { nil } }
        }
        #expect(sizes == [4, 4, 2])
        #expect(core.dispatch(now: 4).isEmpty)
    }
}
