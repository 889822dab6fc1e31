import Testing
@testable import ZeroMQ

@Suite("Shutdown")
struct ShutdownTests {
    @Test func terminateWithPendingUnsentMessageCompletesWithinLinger() throws {
        let elapsed = try onThread(deadline: .seconds(5)) { () throws -> Duration? in
            let ctx = try ZMQContext()
            // An ephemeral port that nobody listens on any more: bind, then unbind and close.
            let gone = try ZMQSocket(ctx, type: .router)
            let deadEndpoint = try gone.bind("tcp://127.0.0.1:*")
            try gone.unbind(deadEndpoint)
            gone.close()
            let dealer = try ZMQSocket(ctx, type: .dealer)
            // No peer answers: the message stays queued (immediate is off by default).
            try dealer.connect(deadEndpoint)
            guard try dealer.send(["never delivered".bytes], dontWait: true) else { return nil }
            let start = ContinuousClock.now
            dealer.close()
            ctx.terminate()
            return ctx.isTerminated ? start.duration(to: .now) : nil
        }
        let took = try #require(elapsed, "terminate hung past the deadline")
        let value = try #require(took)
        #expect(value < .seconds(2), "terminate should return after about the 100 ms linger")
    }

    @Test func shutdownMakesBlockingReceiveEndWithETERM() async throws {
        let ctx = try ZMQContext()
        let outcome = try onThread(deadline: .seconds(5)) { () throws -> Bool in
            let socket = try ZMQSocket(ctx, type: .pull)
            defer { socket.close() }
            try socket.bind("inproc://blocked")
            // Another thread shuts the context down while we block.
            Later.shutdown(ctx, afterMs: 50)
            do {
                _ = try socket.receive()
                return false
            } catch let error as ZMQError {
                return error.isContextTerminated
            }
        }
        ctx.terminate()
        #expect(outcome == true)
    }

    @Test func socketsDefaultToBoundedLinger() throws {
        let linger = try onThread { () throws -> Duration in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let s = try ZMQSocket(ctx, type: .router)
            defer { s.close() }
            return try s.linger()
        }
        #expect(linger == ZMQSocket.defaultLinger)
    }
}

import Dispatch

enum Later {
    /// Calls `shutdown()` from another thread after a delay (the delay only makes it likely that the
    /// receiver is already blocked; the test is correct either way, since a receive after shutdown
    /// also fails with ETERM).
    static func shutdown(_ ctx: ZMQContext, afterMs: Int) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(afterMs)) { ctx.shutdown() }
    }
}
