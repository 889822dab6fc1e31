import Testing
@testable import ZeroMQ

@Suite("Round trips")
struct RoundTripTests {
    /// ROUTER/DEALER exchange with empty and large frames; returns what the DEALER got back.
    static func exchange(endpoint: String) throws -> Bool {
        let ctx = try ZMQContext()
        defer { ctx.terminate() }
        let router = try ZMQSocket(ctx, type: .router)
        defer { router.close() }
        let bound = try router.bind(endpoint)
        let dealer = try ZMQSocket(ctx, type: .dealer)
        defer { dealer.close() }
        try dealer.set(.routingId("worker-1".bytes))
        try dealer.connect(bound)

        let large = (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let sent: [[UInt8]] = ["hello".bytes, [], large, []]
        #expect(try dealer.send(sent))

        guard let atRouter = try receive(router) else { return false }
        #expect(atRouter.count == 5)
        #expect(atRouter[0] == "worker-1".bytes)
        #expect(Array(atRouter.dropFirst()) == sent)

        // Reply through the reusable-storage API.
        var reply = Multipart()
        reply.append(atRouter[0])
        reply.append("ack".bytes)
        reply.append([UInt8]())
        #expect(try router.send(reply))

        let poller = ZMQPoller()
        try poller.add(dealer)
        #expect(try poller.poll(timeoutMs: 2000) == 1)
        var back = Multipart()
        #expect(try dealer.receive(into: &back, dontWait: true))
        #expect(back.frames == ["ack".bytes, []])
        return true
    }

    @Test func routerDealerOverInproc() throws {
        #expect(try onThread { try Self.exchange(endpoint: "inproc://round-trip") } == true)
    }

    @Test func routerDealerOverTCPWithEphemeralPort() throws {
        #expect(try onThread { try Self.exchange(endpoint: "tcp://127.0.0.1:*") } == true)
    }

    @Test func bindReportsTheChosenPort() throws {
        let endpoint = try onThread { () throws -> String in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let s = try ZMQSocket(ctx, type: .router)
            defer { s.close() }
            return try s.bind("tcp://127.0.0.1:*")
        }
        let e = try #require(endpoint)
        #expect(e.hasPrefix("tcp://127.0.0.1:"))
        #expect(!e.hasSuffix(":*"))
    }

    @Test func multipartReusesStorage() {
        var m = Multipart([[1, 2], [], [3]])
        #expect(m.count == 3)
        #expect(Array(m[1]).isEmpty)
        #expect(Array(m[2]) == [3])
        m.removeAll()
        #expect(m.isEmpty)
    }
}
