import Testing
@testable import ZeroMQ

@Suite("Shutdown")
struct ShutdownTests {
    @Test func terminateWithPendingUnsentMessageCompletesWithinLinger() throws {
        let finished = try onThread(deadline: .seconds(5)) { () throws -> Bool in
            let ctx = try ZMQContext()
            let dealer = try ZMQSocket(ctx, type: .dealer)
            // A peer that never answers: the message sits in the queue.
            try dealer.connect("tcp://127.0.0.1:1")
            try dealer.set(.immediate(false))
            _ = try dealer.send(["never delivered".bytes], dontWait: true)
            dealer.close()
            ctx.terminate()
            return ctx.isTerminated
        }
        #expect(finished == true, "terminate hung past the deadline")
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
