@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Worker liveness: suspect, dead, poison, BYE")
struct LivenessTests {
    @Test("the first tick sends heartbeats instead of trapping on the 'never' timestamp")
    func firstTickDoesNotTrap() {
        var h = Harness()
        _ = h.hello("w1", credit: 0)
        #expect(h.tick(advanceMs: 0).messages(to: "w1") == [.heartbeat])
        #expect(h.tick(advanceMs: 999).messages(to: "w1").isEmpty)
        #expect(h.tick(advanceMs: 1).messages(to: "w1") == [.heartbeat])
    }

    @Test("a worker silent for 3 heartbeats is suspect and gets no new work")
    func silentWorkerIsSuspect() {
        var h = Harness()
        _ = h.hello("w1", credit: 4)
        _ = h.tick(advanceMs: 3_000)
        #expect(h.core.workers[peer("w1")]?.liveness == .alive)
        _ = h.tick(advanceMs: 1)
        #expect(h.core.workers[peer("w1")]?.liveness == .suspect)
        #expect(h.submit([JobSpec(kind: "noop")]).allAssignments.isEmpty)
        // Any message makes it alive again, and the job goes out.
        #expect(h.send("w1", .heartbeat).assignments(to: "w1").count == 1)
    }

    @Test("a worker silent past the lease is dead: its jobs are re-queued with a new attempt and a new token")
    func deadWorkerJobsRequeued() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.send("w1", .started([a.lease]))
        _ = h.tick(advanceMs: h.core.config.leaseMs + 1)
        #expect(h.core.workers[peer("w1")] == nil)
        #expect(h.state(a.jobID) == .queued)
        #expect(h.core.job(a.jobID)?.workerLosses == 1)
        let b = h.hello("w2", credit: 1).assignments(to: "w2")[0]
        #expect(b.jobID == a.jobID)
        #expect(b.attempt == 2)
        #expect(b.token != a.token)
    }

    @Test("a job assigned but not started on a dead worker is re-queued without counting a loss")
    func deadBeforeStartNotCounted() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.tick(advanceMs: h.core.config.leaseMs + 1)
        #expect(h.state(a.jobID) == .queued)
        #expect(h.core.job(a.jobID)?.workerLosses == 0)
    }

    @Test("a job running at 3 worker deaths is held as poison; release queues it again")
    func poisonHeldThenReleased() {
        var h = Harness()
        let id = h.submitIDs([JobSpec(kind: "crash")])[0]
        for n in 1...3 {
            let a = h.hello("w\(n)", credit: 1).assignments(to: "w\(n)")
            #expect(a.map(\.jobID) == [id])
            _ = h.send("w\(n)", .started(a.map(\.lease)))
            _ = h.tick(advanceMs: h.core.config.leaseMs + 1)
        }
        #expect(h.state(id) == .held)
        #expect(h.core.jobInfo(id, wallOffsetMs: 0)?.reason.contains("poison") == true)
        #expect(h.hello("w4", credit: 1).allAssignments.isEmpty)
        #expect(h.release(id) == .done(.queued))
        let a = h.flush().assignments(to: "w4")
        #expect(a.map(\.jobID) == [id])
        #expect(a.first?.attempt == 4)
        #expect(h.core.job(id)?.workerLosses == 0)
    }

    @Test("release of a job that is not held is refused")
    func releaseNotHeld() {
        var h = Harness()
        let id = h.submitIDs([JobSpec(kind: "noop")])[0]
        #expect(h.release(id) == .invalid("job 1 is queued, not held"))
        #expect(h.release(99) == .notFound)
    }

    @Test("a worker's BYE hands its jobs back: re-queued without counting a loss")
    func byeHandsBack() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.send("w1", .started([a.lease]))
        let e = h.send("w1", .bye(handedBack: [a.lease]))
        #expect(e.journal.contains(.requeued(a.jobID, cause: .handedBack, readyAtMs: h.now, message: "", atMs: h.now)))
        #expect(h.state(a.jobID) == .queued)
        #expect(h.core.job(a.jobID)?.workerLosses == 0)
        #expect(h.core.workers.isEmpty)
    }

    @Test("a worker that reconnects under a new routing id replaces its old entry: its held job is not re-run")
    func reconnectUnderNewRoutingID() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop"), JobSpec(kind: "noop")])
        let hello = { (held: [Lease]) in WorkerMessage.hello(.init(name: "w1", slots: 2, credit: 2 - UInt32(held.count), tags: [], kinds: [], held: held)) }
        let a = h.send("w1#1", hello([])).assignments(to: "w1#1")
        #expect(a.count == 2)
        _ = h.send("w1#1", .started(a.map(\.lease)))
        // New socket: new routing id, same name; it still runs job 1 but lost job 2.
        let e = h.send("w1#2", hello([a[0].lease]))
        #expect(h.core.workers[peer("w1#1")] == nil)
        #expect(h.state(a[0].jobID) == .running)
        #expect(e.assignments(to: "w1#2").map(\.jobID) == [a[1].jobID])
        // Time passes with heartbeats from the new connection only: job 1 stays with it.
        for _ in 0..<12 {
            _ = h.tick(advanceMs: 1_000)
            _ = h.send("w1#2", .heartbeat)
        }
        #expect(h.state(a[0].jobID) == .running)
        _ = h.result("w1#2", a[0].lease, .succeeded)
        #expect(h.state(a[0].jobID) == .succeeded)
        #expect(h.core.discardedResults == 0)
    }
}
