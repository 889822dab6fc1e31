import DroverCore
import DroverProtocol
import Testing

@Suite("Worker session: the worker side of the protocol, without sockets or clocks")
struct WorkerSessionTests {
    @Test("HELLO offers slots + prefetch minus what is held, and lists every held attempt")
    func helloCreditAndHeld() {
        var s = S.welcomed(slots: 2, prefetch: 1)
        _ = s.received(.assign([S.job(1), S.job(2), S.job(3)]), now: 2)
        _ = s.executorsReturned([S.succeeded(S.job(1))], now: 3)
        let hello = s.connected(now: 4).hello
        #expect(hello?.credit == 1) // 3 − (job 2 running, job 3 started in job 1's slot)
        #expect(Set(hello?.held.map(\.jobID) ?? []) == [1, 2, 3]) // job 1: result not yet acknowledged
    }

    @Test("a cancelled attempt is reported at once, but its slot and credit wait for its executor")
    func cancelKeepsSlotUntilExecutorReturns() {
        var s = S.welcomed(slots: 1, prefetch: 1)
        #expect(s.received(.assign([S.job(1), S.job(2)]), now: 2).started == [1])
        let cancel = s.received(.cancel([S.job(1).lease]), now: 3)
        #expect(cancel.cancelled == [1])
        #expect(cancel.results.results.map(\.outcome) == [.cancelled])
        #expect(cancel.results.credit == 0)
        #expect(cancel.started.isEmpty) // job 2 must not run beside job 1's executor
        #expect(s.isRunning(S.job(1).lease))
        // The executor returns (late, even "successfully"): only now does job 2 start and credit flow.
        let back = s.executorsReturned([S.succeeded(S.job(1))], now: 50)
        #expect(back.started == [2])
        #expect(back.results.credit == 1)
        #expect(back.results.results.isEmpty) // the stop was already reported; the late result is dropped
    }

    @Test("an attempt past its timeout is reported timed out and keeps its slot until it returns")
    func timeoutStopsAttempt() {
        var s = S.welcomed(slots: 1)
        _ = s.received(.assign([S.job(1, timeoutMs: 200)]), now: 10)
        #expect(s.tick(now: 100).cancelled.isEmpty)
        let late = s.tick(now: 210)
        #expect(late.cancelled == [1])
        #expect(late.results.results.first?.outcome == .timedOut)
        #expect(late.results.results.first?.durationMicros == 200_000)
        #expect(s.runningCount == 1)
        #expect(s.tick(now: 220).cancelled.isEmpty) // reported once
        _ = s.executorsReturned([AttemptResult(lease: S.job(1).lease, outcome: .cancelled)], now: 230)
        #expect(s.runningCount == 0)
    }

    @Test("after WELCOME on a new connection: unacknowledged results again (credit 0) and STARTED for running attempts")
    func resendAfterWelcome() {
        var s = S.welcomed(slots: 2)
        _ = s.received(.assign([S.job(1), S.job(2)]), now: 2)
        _ = s.executorsReturned([S.succeeded(S.job(1))], now: 3)
        _ = s.connected(now: 4)
        let w = s.received(S.welcome(epoch: 2), now: 5)
        #expect(w.startedLeases == [2])
        #expect(w.results.results.map(\.lease.jobID) == [1])
        #expect(w.results.credit == 0)
        _ = s.received(.resultAck([S.job(1).lease]), now: 6)
        #expect(s.unackedCount == 0)
    }

    @Test("one HELLO per connection: an unanswered HELLO asks for a new connection, with backoff")
    func helloRetryIsANewConnection() {
        var s = WorkerSession(config: S.config(), seed: 1)
        #expect(s.connected(now: 0).hello != nil)
        #expect(s.tick(now: 50).sent.isEmpty)
        #expect(s.tick(now: 200).reconnects == [.helloUnanswered])
        #expect(s.tick(now: 210).reconnects.isEmpty) // asked once; the shell reconnects
        _ = s.connected(now: 300)
        #expect(s.tick(now: 450).reconnects.isEmpty) // the delay doubled to 200 ms (+ jitter)
        #expect(s.tick(now: 600).reconnects == [.helloUnanswered])
    }

    @Test("DISCONNECT and a silent coordinator both lead to a new connection; attempts keep running")
    func reconnectReasons() {
        var s = S.welcomed(slots: 1)
        _ = s.received(.assign([S.job(1)]), now: 2)
        #expect(s.received(.disconnect(reason: "unknown worker"), now: 3).reconnects == [.disconnected])
        _ = s.connected(now: 4)
        _ = s.received(S.welcome(), now: 5)
        #expect(s.tick(now: 200).sent == [.heartbeat])
        #expect(s.tick(now: 400).reconnects == [.coordinatorSilent(ms: 395)])
        #expect(s.isRunning(S.job(1).lease))
    }

    @Test("a duplicated ASSIGN is ignored, also after the attempt finished and was acknowledged")
    func duplicateAssignIgnored() {
        var s = S.welcomed(slots: 1)
        _ = s.received(.assign([S.job(1)]), now: 2)
        #expect(s.received(.assign([S.job(1)]), now: 3).started.isEmpty)
        _ = s.executorsReturned([S.succeeded(S.job(1))], now: 4)
        _ = s.received(.resultAck([S.job(1).lease]), now: 5)
        #expect(s.received(.assign([S.job(1)]), now: 6).started.isEmpty)
        #expect(s.waitingCount == 0)
    }

    @Test("immediate kinds send no STARTED; unknown kinds fail at once and return their credit")
    func immediateAndUnknownKinds() {
        var s = S.welcomed(slots: 2)
        let e = s.received(.assign([S.job(1, kind: "echo"), S.job(2, kind: "gpu-magic")]), now: 2)
        #expect(e.started == [1])
        #expect(e.startedLeases.isEmpty)
        #expect(e.results.results.map(\.outcome) == [.failed])
        #expect(e.results.results.first?.message.contains("gpu-magic") == true)
        #expect(e.results.credit == 1)
    }

    @Test("drain: hand back waiting work, hand back running work after the grace, wait for its executor and the acks, then BYE")
    func drainSequence() {
        var s = S.welcomed(slots: 1, prefetch: 1)
        _ = s.received(.assign([S.job(1), S.job(2)]), now: 2)
        let d = s.drain(now: 10)
        #expect(d.results.results.map(\.outcome) == [.handedBack])
        #expect(d.results.credit == 0)
        #expect(s.received(.assign([S.job(3)]), now: 11).results.results.map(\.outcome) == [.handedBack])
        _ = s.received(.heartbeat, now: 1_000)
        let grace = s.tick(now: 1_010)
        #expect(grace.cancelled == [1])
        #expect(grace.results.results.map(\.outcome) == [.handedBack])
        #expect(!grace.stops)
        _ = s.executorsReturned([AttemptResult(lease: S.job(1).lease, outcome: .cancelled)], now: 1_020)
        let acked = s.received(.resultAck([S.job(2).lease, S.job(3).lease]), now: 1_030)
        #expect(!acked.stops) // job 1's hand-back is not acknowledged yet
        let end = s.received(.resultAck([S.job(1).lease]), now: 1_040)
        #expect(end.sent == [.bye(handedBack: [])])
        #expect(end.stops)
    }

    @Test("drain with an executor that never returns ends after the linger, naming unacknowledged hand-backs in BYE")
    func drainLingerBound() {
        var s = S.welcomed(slots: 1)
        _ = s.received(.assign([S.job(1)]), now: 2)
        _ = s.drain(now: 10)
        _ = s.received(.heartbeat, now: 1_000)
        _ = s.tick(now: 1_010)
        _ = s.received(.heartbeat, now: 1_300)
        #expect(!s.tick(now: 1_400).stops)
        _ = s.received(.heartbeat, now: 1_500)
        let end = s.tick(now: 1_510)
        #expect(end.sent.last == .bye(handedBack: [S.job(1).lease]))
        #expect(end.stops)
    }
}
