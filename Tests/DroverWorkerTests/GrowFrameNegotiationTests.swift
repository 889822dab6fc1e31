import DroverML
import DroverPipelines
import Foundation
import NativeThreads
import Testing
import ZeroMQ

/// The real trainer end (`NetworkShardTransport`) sends GBDT's `grow` request as a GROW frame
/// with binary trees (0x45) only to a shard whose HELLO said it reads them, as a GROW frame with
/// JSON trees (0x44) to one that reads only those, and as JSON (0x41) to one from before both;
/// every shard answers and the exchange completes. Raw DEALER sockets stand in for the three
/// workers so the test sees the bytes on the wire.
@Suite struct GrowFrameNegotiationTests {
    @Test("a grow request goes in the newest GROW frame each shard's HELLO says it reads, JSON to the oldest")
    func growFramesFollowEachShardsHello() async throws {
        let grow = try JSONDecoder().decode(GrowRequest.self, from: Data(
            #"{"round":3,"roundStart":3,"treesFrom":2,"trees":[],"splits":[],"build":[0],"leafHandles":[-1]}"#.utf8))
        // Sockets and the trainer's thread block: all of it runs off the cooperative pool.
        let trainer = try await runOffPool {
            try TestTrainer(shards: 3, requests: (0..<3).map { (shard: $0, request: .grow(grow)) })
        }
        var seen: Seen?, failure: (any Error)?
        do { seen = try await runOffPool { try Self.talk(to: trainer.endpoint) } } catch { failure = error }
        let replies = trainer.replies()
        try await runOffPool { trainer.stop() }
        if let failure { throw failure }
        let wire = try #require(seen)
        #expect(wire.commands == [0x41, 0x44, 0x45], "JSON to the oldest shard, GROW to the next, GROW with binary trees to the newest")
        #expect(wire.requests == (1...3).map { .request(seq: UInt64($0), .grow(grow)) })
        #expect(wire.finishes == [TrainingFrame](repeating: .finish(outputs: ["model": "done"], metrics: [:]), count: 3))
        #expect(replies == [ShardReply](repeating: .binned, count: 3))
    }

    /// What the two shards saw: each request's command byte and frame, then the FINISH frames.
    struct Seen: Sendable {
        var commands: [UInt8] = [], requests: [TrainingFrame] = [], finishes: [TrainingFrame] = []
    }

    /// Three raw DEALERs: shard 0 says HELLO as a worker from before GROW frames, shard 1 as one that
    /// reads 0x44 only, shard 2 as one that reads 0x45 too; each answers its request, then waits for
    /// FINISH (sent once the exchange is over).
    static func talk(to endpoint: String) throws -> Seen {
        let context = try ZMQContext()
        defer { context.terminate() }
        var sockets: [ZMQSocket] = []
        defer { for s in sockets { s.close() } }
        for (shard, binary, trees) in [(0, false, false), (1, true, false), (2, true, true)] {
            let socket = try ZMQSocket(context, type: .dealer)
            sockets.append(socket)
            try socket.set([.receiveTimeout(.seconds(30))])
            try socket.connect(endpoint)
            _ = try socket.send([TrainingFrame.hello(session: "s", shard: shard, job: "j", binaryGrow: binary, binaryTrees: trees).encoded()])
        }
        func next(_ socket: ZMQSocket) throws -> [UInt8] {
            guard let frames = try socket.receive(), frames.count == 1 else { throw TestTrainer.TestFailure("no frame within 30 s") }
            return frames[0]
        }
        var seen = Seen()
        for socket in sockets {
            let bytes = try next(socket)
            let frame = try TrainingFrame.decode(bytes)
            seen.commands.append(bytes[3])
            seen.requests.append(frame)
            guard case .request(let seq, _) = frame else { throw TestTrainer.TestFailure("not a request: \(frame)") }
            _ = try socket.send([TrainingFrame.reply(seq: seq, .binned).encoded()])
        }
        seen.finishes = try sockets.map { try TrainingFrame.decode(try next($0)) }
        return seen
    }
}
