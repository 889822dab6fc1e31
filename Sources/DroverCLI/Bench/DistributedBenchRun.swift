import DroverML
import DroverPipelines
import DroverWorker
import Foundation
import NativeThreads
import Synchronization
import ZeroMQ

/// One data-parallel training of `drover bench distributed`: N shard workers on threads, each
/// with its own DEALER socket running the worker's shard loop, and the coordinator's trainer on
/// a ROUTER on loopback.
struct DistributedBenchRun {
    var model: ModelFile
    /// Fitting wall time (up to the holdout predictions).
    var seconds: Double
    var exchanges: Int
    var rounds: Int
    /// Σ per exchange of the busiest shard's compute.
    var busiestCompute: Double
    /// Coordinator time outside exchanges (merging, split finding, the optimiser).
    var coordinatorSeconds: Double
    /// Time inside exchanges beyond the busiest shard's compute (messaging, waiting).
    var transportSeconds: Double
    /// The learner rounds' overheads, in order (set-up exchanges and one-time work left out).
    var roundCosts: [RoundCost]
    var reply: ReplyCost

    /// Per learner round, on average: the transport, and the coordinator's work between rounds.
    var roundTransportSeconds: Double { Self.mean(roundCosts.map(\.transport.inSeconds)) }
    var roundCoordinatorSeconds: Double { Self.mean(roundCosts.compactMap { $0.gap?.inSeconds }) }
    /// Each learner round's overhead (transport + the coordinator's work before it).
    var roundOverheads: [Double] { roundCosts.map(\.total.inSeconds) }

    private static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }

    static func measure(_ bytes: [UInt8], shards n: Int, options: TrainingOptions, spin: Duration) async throws -> DistributedBenchRun {
        // The byte-range shards a pipeline's train-shard jobs read.
        let size = Int64(bytes.count)
        var pieces: [[UInt8]] = []
        for i in 0..<Int64(n) {
            pieces.append(try await CSVShard.read(size: size, range: size * i / Int64(n)..<size * (i + 1) / Int64(n)) { r in
                Array(bytes[Int(r.lowerBound)..<Int(r.upperBound)])
            })
        }
        let workers = try pieces.enumerated().map { i, p in try ShardWorker(csv: p, source: "shard \(i)") }
        return try await runOffPool {
            let context = try ZMQContext()
            defer { context.terminate() }
            let done = Atomic<Bool>(false)
            let network = try NetworkShardTransport(context: context, host: "127.0.0.1", session: "bench", shards: n,
                                                    shardTimeout: .seconds(600), reassign: { _ in },
                                                    stopped: { done.load(ordering: .relaxed) })
            let endpoint = network.endpoint
            let threads = try workers.enumerated().map { i, w in
                try NativeThread.start {
                    var loop = ShardLoop(endpoint: endpoint, session: "bench", shard: i, job: "bench", idleLimit: .seconds(600))
                    loop.spinAfterReply = spin
                    _ = try? loop.run(w, cancellation: CancellationToken())
                }
            }
            let timed = TimedShardTransport(network, workers: workers)
            let start = ContinuousClock.now
            let model = try DistributedTrainer(options: options, source: "shards").train(timed)
            let end = timed.holdoutStarted ?? ContinuousClock.now
            done.store(true, ordering: .relaxed)
            network.linger(.finish(outputs: [:], metrics: [:]))
            for t in threads { t.join() }
            let wall = (end - start).inSeconds
            let inExchange = timed.inExchange.inSeconds
            let busiest = timed.busiestCompute.inSeconds
            return DistributedBenchRun(model: model, seconds: wall, exchanges: timed.exchanges, rounds: timed.rounds,
                                       busiestCompute: busiest, coordinatorSeconds: max(0, wall - inExchange),
                                       transportSeconds: inExchange - busiest,
                                       roundCosts: timed.roundCosts,
                                       reply: try ReplyCost.probe(timed.sampleReply))
        }
    }
}
