@testable import DroverCoordinator
import Testing

@Suite("Loop pauses: the longest, its CPU time, and how many went over 10 ms")
struct LoopPausesTests {
    private func took(_ wallMs: Int, cpu cpuMs: Int) -> PauseTimer.Elapsed {
        PauseTimer.Elapsed(wall: .milliseconds(wallMs), cpu: .milliseconds(cpuMs))
    }

    @Test("the longest on the wall keeps its own CPU time; the most CPU and the count over the limit are separate")
    func tally() {
        var pauses = LoopPauses()
        pauses.add(took(3, cpu: 3))
        pauses.add(took(24, cpu: 4)) // preempted: long on the wall, little CPU
        pauses.add(took(9, cpu: 7))
        pauses.add(took(11, cpu: 2))
        #expect(pauses.count == 4)
        #expect(pauses.longest == .milliseconds(24))
        #expect(pauses.longestCPU == .milliseconds(4))
        #expect(pauses.mostCPU == .milliseconds(7))
        #expect(pauses.overLimit == 2)
        #expect(pauses.total == .milliseconds(47) && pauses.average == .microseconds(11_750))
        #expect(pauses.summary == "n=4; max=24.00ms (cpu 4.00ms); cpu.max=7.00ms; over_10ms=2")
    }

    @Test("exactly the limit is not over it; nothing added reads as zeros")
    func edges() {
        var pauses = LoopPauses()
        #expect(pauses.summary == "n=0; max=0.00ms (cpu 0.00ms); cpu.max=0.00ms; over_10ms=0")
        pauses.add(took(10, cpu: 10))
        #expect(pauses.overLimit == 0)
    }

    @Test("the timer counts this thread's CPU time, which busy work advances")
    func threadCPU() {
        let timer = PauseTimer()
        var x: UInt64 = 1
        let until = ContinuousClock.now + .milliseconds(20)
        while ContinuousClock.now < until { x = x &* 6_364_136_223_846_793_005 &+ 1 }
        let elapsed = timer.elapsed
        #expect(x != 0)
        #expect(elapsed.wall >= .milliseconds(20))
        #expect(elapsed.cpu > .zero && elapsed.cpu <= elapsed.wall + .milliseconds(1))
    }
}
