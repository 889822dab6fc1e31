import Testing
@testable import ZeroMQ

@Suite("Hostile input")
struct MaxMessageSizeTests {
    @Test func oversizedFrameDropsThatConnectionAndTheSocketKeepsWorking() throws {
        let outcome = try onThread { () throws -> (bigDelivered: Bool, disconnected: Bool, small: [[UInt8]]?) in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let router = try ZMQSocket(ctx, type: .router)
            defer { router.close() }
            try router.set(.maxMessageSize(1024))
            let monitor = try ZMQMonitor(router, events: .disconnected)
            defer { monitor.close() }
            let endpoint = try router.bind("tcp://127.0.0.1:*")

            let hostile = try ZMQSocket(ctx, type: .dealer)
            defer { hostile.close() }
            try hostile.set(.reconnectInterval(.seconds(10))) // do not come back during the test
            try hostile.connect(endpoint)
            try hostile.send([[UInt8](repeating: 7, count: 64 * 1024)])

            // Positive signal: the router drops the connection.
            let poller = ZMQPoller()
            try poller.add(monitor.socket)
            try poller.add(router)
            var disconnected = false
            var bigDelivered = false
            let end = ContinuousClock.now + .seconds(5)
            while !disconnected && ContinuousClock.now < end {
                try poller.poll(timeoutMs: 50)
                if try router.receive(dontWait: true) != nil { bigDelivered = true }
                while let e = try monitor.receive() { if e.kind == .disconnected { disconnected = true } }
            }

            let honest = try ZMQSocket(ctx, type: .dealer)
            defer { honest.close() }
            try honest.connect(endpoint)
            try honest.send(["small".bytes])
            return (bigDelivered, disconnected, try receive(router, timeoutMs: 5000))
        }
        let result = try #require(outcome)
        #expect(!result.bigDelivered)
        #expect(result.disconnected)
        #expect(result.small?.last == "small".bytes)
    }
}
