import Dispatch
import DroverML
import DroverPipelines
import DroverWorker
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// With CURVE, the coordinator's training socket admits only allowed worker keys: the real
/// trainer end (`NetworkShardTransport`) and the real shard end (`ShardLoop`) over loopback.
@Suite struct ShardSecurityTests {
    static let csv = Array("x,y\n1,2\n3,4\n5,6\n".utf8)

    @Test("with CURVE, a shard with an unknown key or no key is refused at once and says why; an allowed key trains")
    func onlyAllowedWorkerKeysJoin() throws {
        let server = try CurveKeyPair.generate(), allowed = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        let trainer = try Trainer(TrainingSecurity(serverKeys: server, workers: [allowed.publicKey: "w1"]))
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
        #expect(trainer.reply() == (try ShardWorker(csv: Self.csv, source: "test").handle(.describe)))
    }

    /// The coordinator's end on a thread of its own: one `describe` exchange, then FINISH to whoever asks.
    final class Trainer: Sendable {
        private let state = Mutex<(endpoint: String?, reply: ShardReply?, stop: Bool)>((nil, nil, false))
        private let bound = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)

        init(_ security: TrainingSecurity) throws {
            Thread.detachNewThread { [self] in
                defer { done.signal() }
                guard let context = try? ZMQContext() else { _ = bound.signal(); return }
                defer { context.terminate() }
                guard let transport = try? NetworkShardTransport(
                    context: context, host: "127.0.0.1", session: "s", shards: 1, shardTimeout: .seconds(60),
                    reassign: { _ in }, stopped: { self.state.withLock { $0.stop } }, security: security) else { _ = bound.signal(); return }
                state.withLock { $0.endpoint = transport.endpoint }
                bound.signal()
                let reply = try? transport.exchange([(shard: 0, request: .describe)]).first
                state.withLock { $0.reply = reply }
                transport.linger(.finish(outputs: ["model": "done"], metrics: [:]))
            }
            bound.wait()
            guard endpoint != "" else { throw TestFailure("the training socket did not bind") }
        }

        var endpoint: String { state.withLock { $0.endpoint ?? "" } }
        func reply() -> ShardReply? { state.withLock { $0.reply } }

        func stop() {
            state.withLock { $0.stop = true }
            done.wait()
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
