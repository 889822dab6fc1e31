import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

@Suite("EAGAIN and errors")
struct WouldBlockTests {
    @Test func routerMandatoryToUnknownPeerThrowsHostUnreachable() throws {
        let code = try onThread { () throws -> Int32? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let router = try ZMQSocket(ctx, type: .router)
            defer { router.close() }
            try router.set(.routerMandatory(true))
            try router.bind("inproc://mandatory")
            do {
                _ = try router.send(["nobody".bytes, "x".bytes], dontWait: true)
                return nil
            } catch let error as ZMQError {
                return error.code
            }
        }
        #expect(code == EHOSTUNREACH)
    }

    @Test func dealerWithoutPeerReturnsFalseWhenNotWaiting() throws {
        let sent = try onThread { () throws -> Bool in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let dealer = try ZMQSocket(ctx, type: .dealer)
            defer { dealer.close() }
            return try dealer.send(["x".bytes], dontWait: true)
        }
        #expect(sent == false)
    }

    @Test func receiveWithNothingWaitingReturnsNil() throws {
        let got = try onThread { () throws -> Bool in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let router = try ZMQSocket(ctx, type: .router)
            defer { router.close() }
            try router.bind("tcp://127.0.0.1:*")
            var m = Multipart()
            let intoStorage = try router.receive(into: &m, dontWait: true)
            return try router.receive(dontWait: true) == nil && !intoStorage
        }
        #expect(got == true)
    }

    @Test func emptyMessageIsRejected() throws {
        let code = try onThread { () throws -> Int32? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let dealer = try ZMQSocket(ctx, type: .dealer)
            defer { dealer.close() }
            do { _ = try dealer.send([[UInt8]](), dontWait: true); return nil } catch let error as ZMQError { return error.code }
        }
        #expect(code == EINVAL)
    }

    @Test func closedSocketReportsENOTSOCK() throws {
        let code = try onThread { () throws -> Int32? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let dealer = try ZMQSocket(ctx, type: .dealer)
            dealer.close()
            dealer.close() // idempotent
            do { try dealer.connect("inproc://x"); return nil } catch let error as ZMQError { return error.code }
        }
        #expect(code == ENOTSOCK)
    }

    @Test func errorTextComesFromLibzmq() {
        let e = ZMQError(code: EHOSTUNREACH, operation: "zmq_send")
        #expect(e.isHostUnreachable)
        #expect(e.description.contains("zmq_send failed"))
        #expect(!e.message.isEmpty)
    }
}
