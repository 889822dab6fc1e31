import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

@Suite("Socket options and endpoints")
struct OptionTests {
    @Test func everyTypedOptionIsAcceptedByLibzmq() throws {
        let ok = try onThread { () throws -> Bool in
            let ctx = try ZMQContext(ioThreads: 2)
            defer { ctx.terminate() }
            let keys = try CurveKeyPair.generate()
            let router = try ZMQSocket(ctx, type: .router)
            defer { router.close() }
            try router.set([
                .linger(.milliseconds(50)), .sendHighWaterMark(500), .receiveHighWaterMark(500),
                .routingId("coord".bytes), .routerMandatory(true), .immediate(true),
                .tcpKeepalive(true), .tcpKeepaliveIdle(.seconds(30)), .tcpKeepaliveInterval(.seconds(5)),
                .tcpKeepaliveCount(3), .heartbeatInterval(.seconds(1)), .heartbeatTTL(.seconds(3)),
                .heartbeatTimeout(.seconds(3)), .reconnectInterval(.milliseconds(100)),
                .reconnectIntervalMax(.seconds(32)), .maxMessageSize(1 << 20),
                .handshakeInterval(.seconds(5)), .curveServer(true), .curveSecretKey(keys.secretKey),
                .zapDomain("drover"), .sendTimeout(.milliseconds(10)), .receiveTimeout(nil), .ipv6(false),
            ])
            let sub = try ZMQSocket(ctx, type: .sub)
            defer { sub.close() }
            try sub.set([.subscribe("job.".bytes), .unsubscribe("job.".bytes)])
            return try router.linger() == .milliseconds(50) && router.routingId() == "coord".bytes
        }
        #expect(ok == true)
    }

    @Test func malformedCurveKeyIsRejectedWithEINVAL() throws {
        let code = try onThread { () throws -> Int32? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let dealer = try ZMQSocket(ctx, type: .dealer)
            defer { dealer.close() }
            do { try dealer.set(.curveServerKey("too short")); return nil } catch let e as ZMQError { return e.code }
        }
        #expect(code == EINVAL)
    }

    @Test func unboundedLingerIsRefused() throws {
        let code = try onThread { () throws -> Int32? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let dealer = try ZMQSocket(ctx, type: .dealer)
            defer { dealer.close() }
            do { try dealer.set(.linger(.milliseconds(-1))); return nil } catch let e as ZMQError { return e.code }
        }
        #expect(code == EINVAL)
    }

    @Test func unbindAndDisconnectUndoBindAndConnect() throws {
        let code = try onThread { () throws -> Int32? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let router = try ZMQSocket(ctx, type: .router)
            defer { router.close() }
            let endpoint = try router.bind("tcp://127.0.0.1:*")
            let dealer = try ZMQSocket(ctx, type: .dealer)
            defer { dealer.close() }
            try dealer.connect(endpoint)
            try dealer.disconnect(endpoint)
            try router.unbind(endpoint)
            // Unbinding again fails: the endpoint is gone.
            do { try router.unbind(endpoint); return nil } catch let e as ZMQError { return e.code }
        }
        #expect(code == ENOENT)
    }

    @Test func bindingAnAddressInUseReportsTheEndpoint() throws {
        let error = try onThread { () throws -> ZMQError? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let a = try ZMQSocket(ctx, type: .router)
            defer { a.close() }
            let endpoint = try a.bind("tcp://127.0.0.1:*")
            let b = try ZMQSocket(ctx, type: .router)
            defer { b.close() }
            do { try b.bind(endpoint); return nil } catch let e as ZMQError { return e }
        }
        let e = try #require(error.flatMap { $0 })
        #expect(e.code == EADDRINUSE)
        #expect(e.description.contains("tcp://127.0.0.1:"))
    }
}
