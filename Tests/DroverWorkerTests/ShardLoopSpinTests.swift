@testable import DroverWorker
import Testing

/// A shard polls without sleeping for a while after each reply (`spinAfterReply`, or as long as
/// its last request took, up to `spinCap`), and sleeps (100 ms polls, the idle checks) otherwise;
/// a spin of zero sleeps at once.
@Suite struct ShardLoopSpinTests {
    @Test("a shard's poll does not sleep within the spin after a reply, and does after it")
    func pollSleepsOnlyAfterTheSpin() {
        let spin = Duration.milliseconds(2)
        #expect(ShardLoop.pollTimeoutMs(sinceReply: .zero, spin: spin) == 0)
        #expect(ShardLoop.pollTimeoutMs(sinceReply: .microseconds(1999), spin: spin) == 0)
        #expect(ShardLoop.pollTimeoutMs(sinceReply: .milliseconds(2), spin: spin) == 100)
        #expect(ShardLoop.pollTimeoutMs(sinceReply: .seconds(5), spin: spin) == 100)
        #expect(ShardLoop.pollTimeoutMs(sinceReply: .zero, spin: .zero) == 100, "no spin: sleep at once")
        let loop = ShardLoop(endpoint: "tcp://127.0.0.1:1", session: "s", shard: 0, job: "j", idleLimit: .seconds(1))
        #expect(loop.spinAfterReply == .milliseconds(2), "workers spin 2 ms by default")
    }

    @Test("a shard spins at least as long as its last request took, within the floor and the cap")
    func spinFollowsTheLastRequest() {
        let (floor, cap) = (Duration.milliseconds(2), Duration.milliseconds(50))
        #expect(ShardLoop.spinWindow(floor: floor, lastRequest: .microseconds(300), cap: cap) == floor, "short requests: the floor")
        #expect(ShardLoop.spinWindow(floor: floor, lastRequest: .milliseconds(16), cap: cap) == .milliseconds(16),
                "a 16 ms gradient: the other shard may answer up to 16 ms later")
        #expect(ShardLoop.spinWindow(floor: floor, lastRequest: .seconds(3), cap: cap) == cap, "never longer than the cap")
        #expect(ShardLoop.spinWindow(floor: .zero, lastRequest: .milliseconds(16), cap: cap) == .zero, "no spin stays no spin")
        let loop = ShardLoop(endpoint: "tcp://127.0.0.1:1", session: "s", shard: 0, job: "j", idleLimit: .seconds(1))
        #expect(loop.spinCap == .milliseconds(50))
    }
}
