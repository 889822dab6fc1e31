import Testing
@testable import ZeroMQ

@Suite("CURVE and ZAP")
struct CurveTests {
    @Test func keyPairIsZ85AndDerivable() throws {
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.utf8.count == 40)
        #expect(pair.secretKey.utf8.count == 40)
        #expect(CurveKeyPair.isValidKey(pair.publicKey))
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(!pair.description.contains(pair.secretKey))
    }

    @Test func z85RoundTripsAndRejectsBadInput() {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld") // RFC 32 test vector
        #expect(Z85.decode("HelloWorld") == bytes)
        #expect(Z85.encode([1, 2, 3]) == nil)
        #expect(Z85.decode("abc") == nil)
    }

    /// A CURVE server ROUTER with a ZAP allow-list, all pumped on the calling thread.
    final class Server {
        let ctx: ZMQContext
        let keys: CurveKeyPair
        let zap: ZAPHandler
        let router: ZMQSocket
        let monitor: ZMQMonitor
        let endpoint: String
        let poller = ZMQPoller()

        init(ctx: ZMQContext, allowed: [String: String]) throws {
            self.ctx = ctx
            keys = try CurveKeyPair.generate()
            zap = try ZAPHandler(context: ctx, allowList: allowed)
            router = try ZMQSocket(ctx, type: .router)
            try router.set(keys.serverOptions + [.zapDomain("drover"), .handshakeInterval(.milliseconds(500))])
            monitor = try ZMQMonitor(router, events: [.handshakeSucceeded, .handshakeFailedAuth])
            endpoint = try router.bind("tcp://127.0.0.1:*")
            try poller.add(zap.socket)
            try poller.add(router)
            try poller.add(monitor.socket)
        }

        /// Pumps ZAP and the monitor until a router message or an auth outcome arrives, or the deadline.
        func pump(deadline: Duration) throws -> (message: Multipart?, events: [MonitorEvent]) {
            let end = ContinuousClock.now + deadline
            var events: [MonitorEvent] = []
            while ContinuousClock.now < end {
                try poller.poll(timeoutMs: 50)
                try zap.handleAll()
                while let e = try monitor.receive() { events.append(e) }
                var m = Multipart()
                if try router.receive(into: &m, dontWait: true, readUserId: true) { return (m, events) }
                if events.contains(where: { $0.kind == .handshakeFailedAuth }) { return (nil, events) }
            }
            return (nil, events)
        }

        func close() {
            monitor.close()
            router.close()
            zap.close()
        }
    }

    static func client(_ ctx: ZMQContext, keys: CurveKeyPair, serverKey: String, endpoint: String) throws -> ZMQSocket {
        let dealer = try ZMQSocket(ctx, type: .dealer)
        try dealer.set(keys.clientOptions(serverKey: serverKey) + [.handshakeInterval(.milliseconds(500))])
        try dealer.connect(endpoint)
        return dealer
    }

    @Test func allowedClientExchangesMessagesAndCarriesItsUserId() throws {
        let outcome = try onThread { () throws -> (String?, [UInt8]?, [[UInt8]]?) in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let clientKeys = try CurveKeyPair.generate()
            let server = try Server(ctx: ctx, allowed: [clientKeys.publicKey: "worker-7"])
            defer { server.close() }
            let dealer = try Self.client(ctx, keys: clientKeys, serverKey: server.keys.publicKey, endpoint: server.endpoint)
            defer { dealer.close() }
            try dealer.send(["hello".bytes])
            let (message, _) = try server.pump(deadline: .seconds(5))
            guard let message else { return (nil, nil, nil) }
            try server.router.send([Array(message[0]), "welcome".bytes])
            return (message.userId, Array(message[1]), try receive(dealer))
        }
        let (userId, payload, reply) = try #require(outcome)
        #expect(userId == "worker-7")
        #expect(payload == "hello".bytes)
        #expect(reply == ["welcome".bytes])
    }

    @Test func unknownClientIsRejectedAndNothingIsDelivered() throws {
        let outcome = try onThread { () throws -> (Bool, Int32?) in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let allowed = try CurveKeyPair.generate()
            let intruder = try CurveKeyPair.generate()
            let server = try Server(ctx: ctx, allowed: [allowed.publicKey: "worker-1"])
            defer { server.close() }
            let dealer = try Self.client(ctx, keys: intruder, serverKey: server.keys.publicKey, endpoint: server.endpoint)
            defer { dealer.close() }
            try dealer.send(["let me in".bytes])
            let (message, events) = try server.pump(deadline: .seconds(5))
            let denied = events.first { $0.kind == .handshakeFailedAuth }
            // After the positive signal, make sure nothing slips through either.
            var late = Multipart()
            _ = try server.poller.poll(timeoutMs: 100)
            let lateArrived = try server.router.receive(into: &late, dontWait: true)
            return (message == nil && !lateArrived, denied?.value)
        }
        let (nothingDelivered, status) = try #require(outcome)
        #expect(nothingDelivered)
        #expect(status == 400)
    }
}
