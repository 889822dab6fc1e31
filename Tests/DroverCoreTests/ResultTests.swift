@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Results: fenced, committed once, retried with backoff")
struct ResultTests {
    /// One job assigned to w1; returns its assignment.
    static func oneAssigned(_ h: inout Harness, _ spec: JobSpec = JobSpec(kind: "noop")) -> Assignment {
        _ = h.submit([spec])
        return h.hello("w1", credit: 1).assignments(to: "w1")[0]
    }

    @Test("a successful result commits exactly one finished record and is acknowledged")
    func successCommitsOnce() {
        var h = Harness()
        let a = Self.oneAssigned(&h)
        _ = h.send("w1", .started([a.lease]))
        #expect(h.state(a.jobID) == .running)
        let e = h.result("w1", a.lease, .succeeded)
        #expect(h.state(a.jobID) == .succeeded)
        #expect(e.acks(to: "w1") == [a.lease])
        #expect(h.finishedRecords(a.jobID).count == 1)
    }

    @Test("a duplicate result is discarded, acknowledged and not journaled")
    func duplicateResultDiscarded() {
        var h = Harness()
        let a = Self.oneAssigned(&h)
        _ = h.result("w1", a.lease, .succeeded)
        let e = h.result("w1", a.lease, .failed)
        #expect(e.journal.isEmpty)
        #expect(e.acks(to: "w1") == [a.lease])
        #expect(h.core.discardedResults == 1)
        #expect(h.state(a.jobID) == .succeeded)
        #expect(h.finishedRecords(a.jobID).count == 1)
    }

    @Test("a late result carrying a superseded token is discarded and acknowledged")
    func lateResultOfOldAttemptDiscarded() {
        var h = Harness()
        let a = Self.oneAssigned(&h)
        _ = h.send("w1", .started([a.lease]))
        // w1 hands the job back; w2 runs attempt 2.
        _ = h.send("w1", .bye(handedBack: [a.lease]))
        let b = h.hello("w2", credit: 1).assignments(to: "w2")[0]
        #expect(b.attempt == 2)
        #expect(b.token != a.token)
        // The zombie w1 reports success for attempt 1: discarded, acked, told to HELLO.
        let e = h.result("w1", a.lease, .succeeded)
        #expect(e.journal.isEmpty)
        #expect(e.acks(to: "w1") == [a.lease])
        #expect(e.messages(to: "w1").contains(.error(.unknownWorker, "no session for this connection; send HELLO")))
        #expect(e.messages(to: "w1").contains(.disconnect(reason: "unknown worker; send HELLO")))
        #expect(h.core.rejectedFrames == 1)
        #expect(h.state(a.jobID) == .assigned)
        _ = h.result("w2", b.lease, .succeeded)
        #expect(h.finishedRecords(a.jobID).count == 1)
    }

    @Test("an app failure with maxRetries 2 waits with backoff, retries, and fails after 3 attempts")
    func appFailureRetriesThenFails() {
        var h = Harness()
        let a1 = Self.oneAssigned(&h, JobSpec(kind: "fail", maxRetries: 2))
        let id = a1.jobID

        _ = h.result("w1", a1.lease, .failed, credit: 1, message: "boom")
        #expect(h.state(id) == .retryWait)
        let readyAt = h.core.job(id)!.timerMs
        #expect(readyAt > h.now)
        #expect(readyAt <= h.now + h.core.config.backoff.baseMs)
        // Not before readyAt.
        #expect(h.tick(advanceMs: 0).allAssignments.isEmpty)
        #expect(h.state(id) == .retryWait)
        // After readyAt: queued and re-dispatched as attempt 2.
        let a2 = h.tick(advanceMs: readyAt - h.now).assignments(to: "w1")
        #expect(a2.map(\.attempt) == [2])

        _ = h.result("w1", a2[0].lease, .failed, credit: 1, message: "boom")
        #expect(h.state(id) == .retryWait)
        let ceiling2 = h.core.config.backoff.baseMs * 2
        #expect(h.core.job(id)!.timerMs <= h.now + ceiling2)
        let a3 = h.tick(advanceMs: ceiling2).assignments(to: "w1")
        #expect(a3.map(\.attempt) == [3])

        _ = h.result("w1", a3[0].lease, .failed, credit: 1, message: "boom 3")
        #expect(h.state(id) == .failed)
        #expect(h.core.job(id)!.attempt == 3)
        #expect(h.core.job(id)!.message == "boom 3")
        #expect(h.finishedRecords(id).count == 1)
        #expect(h.core.jobInfo(id, wallOffsetMs: 0)?.reason == "failed after 3 attempt(s): boom 3")
    }

    @Test("a job that fails with maxRetries 0 fails at once")
    func noRetries() {
        var h = Harness()
        let a = Self.oneAssigned(&h, JobSpec(kind: "fail"))
        _ = h.result("w1", a.lease, .failed)
        #expect(h.state(a.jobID) == .failed)
    }

    @Test("a result from a worker the coordinator does not know still commits by its token, then asks for HELLO")
    func resultFromUnknownWorkerCommits() {
        var h = Harness()
        let a = Self.oneAssigned(&h)
        _ = h.restart()
        let e = h.result("w1", a.lease, .succeeded)
        #expect(h.state(a.jobID) == .succeeded)
        #expect(e.acks(to: "w1") == [a.lease])
        #expect(e.messages(to: "w1").contains(.error(.unknownWorker, "no session for this connection; send HELLO")))
        #expect(e.messages(to: "w1").contains(.disconnect(reason: "unknown worker; send HELLO")))
    }

    @Test("a worker-reported timeout ends the job as timed out")
    func workerTimeout() {
        var h = Harness()
        let a = Self.oneAssigned(&h, JobSpec(kind: "sleep", timeoutMs: 100))
        _ = h.result("w1", a.lease, .timedOut)
        #expect(h.state(a.jobID) == .timedOut)
        #expect(h.core.job(a.jobID)?.message == "timed out")
    }
}
