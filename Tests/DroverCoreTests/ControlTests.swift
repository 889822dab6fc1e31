@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Cancel, timeouts, rejected frames")
struct ControlTests {
    @Test("cancelling a queued job ends it and it is never dispatched")
    func cancelQueued() {
        var h = Harness()
        let id = h.submitIDs([JobSpec(kind: "noop")])[0]
        #expect(h.cancel(id) == .done(.cancelled))
        #expect(h.flush().journal == [.cancelled(id, atMs: h.now)])
        #expect(h.hello("w1", credit: 1).allAssignments.isEmpty)
        #expect(h.state(id) == .cancelled)
    }

    @Test("cancelling a running job sends CANCEL to its worker and discards the worker's later report")
    func cancelRunning() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.send("w1", .started([a.lease]))
        #expect(h.cancel(a.jobID) == .done(.cancelled))
        #expect(h.flush().cancels(to: "w1") == [a.lease])
        let e = h.result("w1", a.lease, .succeeded)
        #expect(e.journal.isEmpty)
        #expect(e.acks(to: "w1") == [a.lease])
        #expect(h.state(a.jobID) == .cancelled)
        #expect(h.finishedRecords(a.jobID).isEmpty)
        // The report returned the slot: the worker has credit again and nothing outstanding.
        #expect(h.core.workers[peer("w1")]?.credit == 1)
        #expect(h.core.workers[peer("w1")]?.outstanding.isEmpty == true)
    }

    @Test("cancelling a finished job is refused; an unknown id is not found")
    func cancelTerminal() {
        var h = Harness()
        let id = h.submitIDs([JobSpec(kind: "noop")])[0]
        _ = h.cancel(id)
        #expect(h.cancel(id) == .invalid("job 1 already ended: cancelled"))
        #expect(h.cancel(42) == .notFound)
    }

    @Test("the coordinator times a job out at timeout + grace and tells the worker to stop")
    func timeoutEnforced() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "sleep", timeoutMs: 1_000)])
        let a = h.hello("w1", credit: 1).assignments(to: "w1")[0]
        _ = h.send("w1", .started([a.lease]))
        let limit = 1_000 + h.core.config.timeoutGraceMs
        #expect(h.tick(advanceMs: limit - 1).cancels(to: "w1").isEmpty)
        #expect(h.state(a.jobID) == .running)
        let e = h.tick(advanceMs: 1)
        #expect(h.state(a.jobID) == .timedOut)
        #expect(e.cancels(to: "w1") == [a.lease])
        #expect(h.finishedRecords(a.jobID).count == 1)
        // The worker's late report is discarded.
        #expect(h.result("w1", a.lease, .cancelled).journal.isEmpty)
        #expect(h.state(a.jobID) == .timedOut)
    }

    @Test("a malformed worker frame is counted and answered with ERROR")
    func malformedWorkerFrame() {
        var h = Harness()
        h.feed { $0.rejectWorkerFrame(from: peer("w1"), .truncated(field: "hello.name")) }
        let e = h.flush()
        #expect(h.core.rejectedFrames == 1)
        #expect(e.messages(to: "w1") == [.error(.malformed, "message truncated while reading hello.name")])
    }

    @Test("a client frame of another protocol version is counted and answered ERROR unsupportedVersion")
    func malformedClientFrame() {
        var h = Harness()
        h.feed { $0.rejectClientFrame(from: client, .unsupportedVersion(9)) }
        let e = h.flush()
        #expect(h.core.rejectedFrames == 1)
        guard case .error(0, .unsupportedVersion, let text) = e.toClients.first?.reply else { Issue.record("expected ERROR 2"); return }
        #expect(text.contains("version 9"))
    }

    @Test("an unknown command is answered ERROR unknownCommand on either socket")
    func unknownCommandFrame() {
        var h = Harness()
        h.feed { $0.rejectWorkerFrame(from: peer("w1"), .unknownCommand(0x81)) }
        h.feed { $0.rejectClientFrame(from: client, .unknownCommand(0x01)) }
        let e = h.flush()
        #expect(h.core.rejectedFrames == 2)
        #expect(e.messages(to: "w1") == [.error(.unknownCommand, "unknown command 0x81")])
        guard case .error(0, .unknownCommand, _) = e.toClients.first?.reply else { Issue.record("expected ERROR 3"); return }
    }
}
