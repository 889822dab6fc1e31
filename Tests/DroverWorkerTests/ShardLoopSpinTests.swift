@testable import DroverWorker
import Testing

/// A shard polls without sleeping for `spinAfterReply` after each reply, and sleeps (100 ms
/// polls, the idle checks) otherwise; a spin of zero sleeps at once.
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
}
