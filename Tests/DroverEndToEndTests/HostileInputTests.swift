import DroverProtocol
import Foundation
import Testing
import ZeroMQ

/// Hostile frames sent over a raw DEALER to a live coordinator: each is rejected (an ERROR reply,
/// or for an oversized frame a dropped connection) and the coordinator keeps serving.
@Suite(.offPool, .serialized, .timeLimit(.minutes(2)))
struct HostileInputTests {
    @Test("oversized frames, absurd counts and garbage get ERROR or a dropped connection; the coordinator keeps serving")
    func hostileFramesRejected() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        defer { coordinator.stop() }
        try cluster.waitForStatus { _ in true }
        let clientEndpoint = "tcp://127.0.0.1:\(cluster.port + 1)"
        let context = try ZMQContext()
        defer { context.terminate() }
        let dealer = try ZMQSocket(context, type: .dealer, linger: .zero)
        defer { dealer.close() }
        try dealer.set([.receiveTimeout(.milliseconds(1_000))])
        try dealer.connect(clientEndpoint)

        // 1. A frame above ZMQ_MAXMSGSIZE (16 MiB): libzmq drops the connection before Drover sees it.
        _ = try dealer.send([[UInt8](repeating: 0x44, count: WireLimits.maxFrameBytes + 1)])
        // 2. SUBMIT claiming 4,294,967,295 jobs in a 17-byte frame: rejected before any allocation.
        let absurd = header(0x81) + le64(7) + [0] + le32(.max)
        let countReply = try request(absurd, on: dealer)
        guard case .error(_, .malformed, let message) = countReply else {
            Issue.record("expected ERROR malformed for an absurd count, got \(countReply)")
            return
        }
        #expect(message.contains("above the limit"), "\(message)")
        // 3. A job count within the limit but more than the bytes could hold.
        let short = header(0x81) + le64(8) + [0] + le32(65_000)
        guard case .error(_, .malformed, _) = try request(short, on: dealer) else {
            Issue.record("expected ERROR for a count larger than the frame")
            return
        }
        // 4. Garbage, a wrong protocol version and an unknown command, each with its own code.
        let cases: [([UInt8], ErrorCode)] = [([UInt8]("GET / HTTP/1.1\r\n\r\n".utf8), .malformed),
                                              ([0x44, 0x52, 9, 0x81], .unsupportedVersion), (header(0xEE), .unknownCommand)]
        for (frame, expected) in cases {
            guard case .error(_, let code, _) = try request(frame, on: dealer) else {
                Issue.record("expected ERROR for \(frame.prefix(8))")
                continue
            }
            #expect(code == expected, "\(frame.prefix(8))")
        }
        // 5. A string map claiming a huge entry count.
        let map = header(0x81) + le64(9) + [0] + le32(1) + le32(4) + Array("noop".utf8) + le32(.max)
        guard case .error = try request(map, on: dealer) else {
            Issue.record("expected ERROR for an absurd map count")
            return
        }
        // Still serving: a normal client works, nothing was accepted.
        let status = try cluster.run(["status", "--json"])
        #expect(status.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(obj?.jobs("queued") == 0)
        #expect((obj?["rejectedFrames"] as? Int ?? 0) >= 5, "each hostile frame is counted")
        #expect(try cluster.run(["submit", "--kind", "noop"]).status == 0)
    }

    /// Sends one frame and waits for the reply. The DEALER reconnects by itself after the oversized
    /// frame dropped its connection; a frame queued on the dying connection is lost, so resend.
    private func request(_ frame: [UInt8], on dealer: ZMQSocket) throws -> ClientReply {
        for _ in 0..<10 {
            _ = try dealer.send([frame])
            if let reply = try dealer.receive(), reply.count == 1 { return try ClientReply.decode(reply[0]) }
        }
        throw TestFailure("no reply to a hostile frame")
    }

    private func header(_ command: UInt8) -> [UInt8] { [0x44, 0x52, 1, command] }
    private func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    private func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}
