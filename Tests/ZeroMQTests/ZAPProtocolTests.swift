import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The ZAP handler speaks RFC 27 to anything that sends it a request, so it can be tested directly
/// with a DEALER standing in for libzmq's session (same envelope: an empty delimiter first).
@Suite("ZAP protocol (RFC 27)")
struct ZAPProtocolTests {
    static func ask(_ request: [[UInt8]], allow: [String: String]) throws -> [[UInt8]]? {
        try onThread { () throws -> [[UInt8]]? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let zap = try ZAPHandler(context: ctx, allowList: allow)
            defer { zap.close() }
            let session = try ZMQSocket(ctx, type: .dealer)
            defer { session.close() }
            try session.connect(ZAPHandler.endpoint)
            try session.send([[]] + request)
            let poller = ZMQPoller()
            try poller.add(zap.socket)
            guard try poller.poll(timeoutMs: 2000) == 1, try zap.handleOne() else { return nil }
            return try receive(session)
        } ?? nil
    }

    static func curveRequest(key: [UInt8], version: String = "1.0") -> [[UInt8]] {
        [version.bytes, "req-1".bytes, "drover".bytes, "10.0.0.7".bytes, []/* identity */, "CURVE".bytes, key]
    }

    @Test func allowedKeyGets200WithItsUserId() throws {
        let keys = try CurveKeyPair.generate()
        let raw = try #require(Z85.decode(keys.publicKey))
        let reply = try Self.ask(Self.curveRequest(key: raw), allow: [keys.publicKey: "worker-3"])
        #expect(reply == [[], "1.0".bytes, "req-1".bytes, "200".bytes, "OK".bytes, "worker-3".bytes, []])
    }

    @Test func unknownKeyGets400() throws {
        let keys = try CurveKeyPair.generate()
        let raw = try #require(Z85.decode(keys.publicKey))
        let reply = try #require(try Self.ask(Self.curveRequest(key: raw), allow: [:]))
        #expect(reply.count == 7)
        #expect(reply[3] == "400".bytes)
        #expect(reply[5].isEmpty)
    }

    @Test func nonCurveMechanismIsDenied() throws {
        let request = ["1.0".bytes, "req-2".bytes, "drover".bytes, "10.0.0.7".bytes, [], "NULL".bytes]
        let reply = try #require(try Self.ask(request, allow: [:]))
        #expect(reply[2] == "req-2".bytes)
        #expect(reply[3] == "400".bytes)
    }

    @Test func wrongVersionGets500() throws {
        let reply = try #require(try Self.ask(Self.curveRequest(key: [UInt8](repeating: 1, count: 32), version: "2.0"), allow: [:]))
        #expect(reply[2] == "req-1".bytes)
        #expect(reply[3] == "500".bytes)
    }

    @Test func secondHandlerInTheSameContextIsRefused() throws {
        let code = try onThread { () throws -> Int32? in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let first = try ZAPHandler(context: ctx, allowedKeys: [])
            defer { first.close() }
            do { _ = try ZAPHandler(context: ctx, allowedKeys: []); return nil } catch let e as ZMQError { return e.code }
        }
        #expect(code == EADDRINUSE)
    }
}
