import DroverML
import DroverPipelines
import Foundation
import NativeThreads
import Testing
import ZeroMQ

/// The real trainer end (`NetworkShardTransport`) sends GBDT's `grow` request as a GROW frame
/// (0x44) only to a shard whose HELLO said it reads them, and as JSON (0x41) to one from before
/// them; both shards answer and the exchange completes. Raw DEALER sockets stand in for the two
/// workers so the test sees the bytes on the wire.
@Suite struct GrowFrameNegotiationTests {
    @Test("a grow request is a GROW frame to a shard that says it reads them, JSON to an older one")
    func growFramesFollowEachShardsHello() async throws {
        let grow = try JSONDecoder().decode(GrowRequest.self, from: Data(
            #"{"round":3,"roundStart":3,"treesFrom":2,"trees":[],"splits":[],"build":[0],"leafHandles":[-1]}"#.utf8))
        // Sockets and the trainer's thread block: all of it runs off the cooperative pool.
        let trainer = try await runOffPool {
            try TestTrainer(shards: 2, requests: [(shard: 0, request: .grow(grow)), (shard: 1, request: .grow(grow))])
        }
        var seen: Seen?, failure: (any Error)?
        do { seen = try await runOffPool { try Self.talk(to: trainer.endpoint) } } catch { failure = error }
        let replies = trainer.replies()
        try await runOffPool { trainer.stop() }
        if let failure { throw failure }
        let wire = try #require(seen)
        #expect(wire.commands == [0x41, 0x44], "JSON to the older shard, GROW to the newer one")
        #expect(wire.requests == [.request(seq: 1, .grow(grow)), .request(seq: 2, .grow(grow))])
        #expect(wire.finishes == [TrainingFrame](repeating: .finish(outputs: ["model": "done"], metrics: [:]), count: 2))
        #expect(replies == [ShardReply.binned, .binned])
    }

    /// What the two shards saw: each request's command byte and frame, then the FINISH frames.
    struct Seen: Sendable {
        var commands: [UInt8] = [], requests: [TrainingFrame] = [], finishes: [TrainingFrame] = []
    }

    /// Two raw DEALERs: shard 0 says HELLO as a worker from before GROW frames, shard 1 as one that
    /// reads them; each answers its request, then waits for FINISH (sent once the exchange is over).
    static func talk(to endpoint: String) throws -> Seen {
        let context = try ZMQContext()
        defer { context.terminate() }
        var sockets: [ZMQSocket] = []
        defer { for s in sockets { s.close() } }
        for (shard, binary) in [(0, false), (1, true)] {
            let socket = try ZMQSocket(context, type: .dealer)
            sockets.append(socket)
            try socket.set([.receiveTimeout(.seconds(30))])
            try socket.connect(endpoint)
            _ = try socket.send([TrainingFrame.hello(session: "s", shard: shard, job: "j", binaryGrow: binary).encoded()])
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
