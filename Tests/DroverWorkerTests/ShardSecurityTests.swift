import DroverML
import DroverPipelines
import DroverWorker
import Foundation
import Testing
import ZeroMQ

/// With CURVE, the coordinator's training socket admits only allowed worker keys: the real
/// trainer end (`NetworkShardTransport`) and the real shard end (`ShardLoop`) over loopback.
@Suite struct ShardSecurityTests {
    static let csv = Array("x,y\n1,2\n3,4\n5,6\n".utf8)

    @Test("with CURVE, a shard with an unknown key or no key is refused at once and says why; an allowed key trains")
    func onlyAllowedWorkerKeysJoin() throws {
        let server = try CurveKeyPair.generate(), allowed = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        let trainer = try TestTrainer(TrainingSecurity(serverKeys: server, workers: [allowed.publicKey: "w1"]))
        defer { trainer.stop() }
        func shard(_ keys: CurveKeyPair?) throws -> [String: String] {
            let loop = ShardLoop(endpoint: trainer.endpoint, session: "s", shard: 0, job: "test", idleLimit: .seconds(30),
                                 curve: keys.map { CurveClientKeys(keyPair: $0, serverPublicKey: server.publicKey) })
            return try loop.run(try ShardWorker(csv: Self.csv, source: "test"), cancellation: CancellationToken()).0
        }
        // Each refusal is reported from the socket monitor, with its reason; without that the job
        // would end after the idle limit with "has been silent for", which these checks reject.
        // (A wall-clock bound here failed on a loaded CI machine: 18.7 s for both.)
        #expect { try shard(stranger) } throws: { "\($0)".contains("refused this worker's CURVE key") }
        #expect { try shard(nil) } throws: { "\($0)".contains("this worker has no keys") }
        #expect(try shard(allowed) == ["model": "done"])
        #expect(trainer.replies()?.first == (try ShardWorker(csv: Self.csv, source: "test").handle(.describe)))
    }
}
