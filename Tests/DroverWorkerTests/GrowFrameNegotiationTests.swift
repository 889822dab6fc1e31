import DroverML
import DroverPipelines
import Foundation
import Testing
import ZeroMQ

/// The real trainer end (`NetworkShardTransport`) sends GBDT's `grow` request as a GROW frame
/// (0x44) only to a shard whose HELLO said it reads them, and as JSON (0x41) to one from before
/// them; both shards answer and the exchange completes. Raw DEALER sockets stand in for the two
/// workers so the test sees the bytes on the wire.
@Suite struct GrowFrameNegotiationTests {
    @Test("a grow request is a GROW frame to a shard that says it reads them, JSON to an older one")
    func growFramesFollowEachShardsHello() throws {
        let grow = try JSONDecoder().decode(GrowRequest.self, from: Data(
            #"{"round":3,"roundStart":3,"treesFrom":2,"trees":[],"splits":[],"build":[0],"leafHandles":[-1]}"#.utf8))
        let trainer = try TestTrainer(shards: 2, requests: [(shard: 0, request: .grow(grow)), (shard: 1, request: .grow(grow))])
        defer { trainer.stop() }
        let context = try ZMQContext()
        defer { context.terminate() }
        var sockets: [ZMQSocket] = []
        defer { for s in sockets { s.close() } }
        for (shard, binary) in [(0, false), (1, true)] {
            let socket = try ZMQSocket(context, type: .dealer)
            sockets.append(socket)
            try socket.set([.receiveTimeout(.seconds(30))])
            try socket.connect(trainer.endpoint)
            _ = try socket.send([TrainingFrame.hello(session: "s", shard: shard, job: "j", binaryGrow: binary).encoded()])
        }
        var commands: [UInt8] = []
        for socket in sockets {
            let frames = try #require(try socket.receive(), "no request within 30 s")
            commands.append(frames[0][3])
            guard case .request(let seq, .grow(let got)) = try TrainingFrame.decode(frames[0]) else {
                Issue.record("not a grow request")
                return
            }
            #expect(got == grow)
            _ = try socket.send([TrainingFrame.reply(seq: seq, .binned).encoded()])
        }
        #expect(commands == [0x41, 0x44], "JSON to the older shard, GROW to the newer one")
        // FINISH follows the exchange's end: then the trainer holds both replies.
        for socket in sockets {
            let frames = try #require(try socket.receive(), "no FINISH within 30 s")
            #expect(try TrainingFrame.decode(frames[0]) == .finish(outputs: ["model": "done"], metrics: [:]))
        }
        #expect(trainer.replies() == [ShardReply.binned, .binned])
    }
}
