import Dispatch
import DroverML
import DroverPipelines
import Foundation
import Synchronization
import ZeroMQ

/// The coordinator's end of the training socket (`NetworkShardTransport`) on a thread of its own:
/// one exchange, then FINISH to whoever asks until stopped.
final class TestTrainer: Sendable {
    private let state = Mutex<(endpoint: String?, replies: [ShardReply]?, stop: Bool)>((nil, nil, false))
    private let bound = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)

    init(_ security: TrainingSecurity? = nil, shards: Int = 1,
         requests: [(shard: Int, request: ShardRequest)] = [(shard: 0, request: .describe)]) throws {
        nonisolated(unsafe) let requests = requests
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            guard let context = try? ZMQContext() else { _ = bound.signal(); return }
            defer { context.terminate() }
            guard let transport = try? NetworkShardTransport(
                context: context, host: "127.0.0.1", session: "s", shards: shards, shardTimeout: .seconds(60),
                reassign: { _ in }, stopped: { self.state.withLock { $0.stop } }, security: security) else { _ = bound.signal(); return }
            state.withLock { $0.endpoint = transport.endpoint }
            bound.signal()
            let replies = try? transport.exchange(requests)
            state.withLock { $0.replies = replies }
            transport.linger(.finish(outputs: ["model": "done"], metrics: [:]))
        }
        bound.wait()
        guard endpoint != "" else { throw TestFailure("the training socket did not bind") }
    }

    var endpoint: String { state.withLock { $0.endpoint ?? "" } }
    func replies() -> [ShardReply]? { state.withLock { $0.replies } }

    func stop() {
        state.withLock { $0.stop = true }
        done.wait()
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
