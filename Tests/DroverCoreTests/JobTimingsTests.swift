import DroverProtocol
import Testing
@testable import DroverCore

@Suite("Job timings (queue wait, run time)")
struct JobTimingsTests {
    @Test("queued → assigned counts the wait; assigned → ended counts the run")
    func waitAndRun() {
        var h = Harness()
        _ = h.submit([JobSpec(kind: "noop")])
        h.now += 40 // the job waits 40 ms for a worker
        let lease = h.hello("w1", credit: 1).assignments(to: "w1")[0].lease
        h.now += 300 // and runs 300 ms
        _ = h.result("w1", lease, .succeeded)
        let t = h.core.jobTimings
        #expect(t.queueWait.count == 1 && t.queueWait.sumMs == 40)
        #expect(t.queueWait.counts[LatencyHistogram.boundsMs.firstIndex(of: 50)!] == 1)
        #expect(t.runTime.count == 1 && t.runTime.sumMs == 300)
        #expect(t.runTime.counts[LatencyHistogram.boundsMs.firstIndex(of: 500)!] == 1)
    }
}
