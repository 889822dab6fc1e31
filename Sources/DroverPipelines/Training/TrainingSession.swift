import DroverArtifacts
import DroverML
import Foundation
import Logging
import NativeThreads
import Synchronization
import ZeroMQ

/// The coordinator's side of one data-parallel train step: a thread that binds the training
/// socket, runs `DistributedTrainer` over the shard jobs that connect to it, stores the model
/// in the artifact store and tells every shard job to finish with it (or to fail). The runner
/// gives each shard job the session's `endpoint`; when a shard stops answering, the session
/// asks the runner (`takeReassignments`) to run that shard's job again on another worker.
final class TrainingSession: Sendable {
    struct State {
        var endpoint: String?
        var failure: String?
        var reassign: [Int] = []
        var stop = false
        var done = false
    }

    /// The state shared by the runner's thread and the session's.
    final class Shared: Sendable {
        let lock = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { lock.withLock { body(&$0) } }
    }

    let key: String
    let id: String
    let shards: Int
    private let state = Shared()
    private let thread = Mutex<NativeThread?>(nil)

    /// Training parameters a shard job carries that are not training options.
    static let jobParameters = ["pieces", "shard", "shards", "trainer", "session", "trainer_idle_ms", "shard_timeout_ms"]

    /// Starts the thread and waits until the socket is bound (its `endpoint` is known).
    init(key: String, shards: Int, params: [String: String], host: String, security: TrainingSecurity?,
         artifacts: ArtifactStore, logger: Logger) throws {
        self.key = key
        id = "\(key)#\(UUID().uuidString)"
        self.shards = shards
        let timeout = Duration.milliseconds(Int64(params["shard_timeout_ms"] ?? "") ?? 60_000)
        let bound = DispatchSemaphore(value: 0)
        let (id, state) = (self.id, self.state)
        let t = try NativeThread.start {
            Self.serve(session: id, key: key, shards: shards, params: params, host: host, security: security,
                       timeout: timeout, artifacts: artifacts, logger: logger, state: state, bound: bound)
        }
        thread.withLock { $0 = t }
        bound.wait()
        if let failure = state.withLock({ $0.failure }), state.withLock({ $0.endpoint }) == nil {
            stop()
            throw DistributedTrainingError(failure)
        }
    }

    var endpoint: String { state.withLock { $0.endpoint ?? "" } }

    /// Shards whose jobs the runner should run again, since the last call.
    func takeReassignments() -> [Int] {
        state.withLock { s in
            defer { s.reassign = [] }
            return s.reassign
        }
    }

    /// Ends the thread (training, or answering late shard jobs) and waits for it.
    func stop() {
        state.withLock { $0.stop = true }
        let t = thread.withLock { t -> NativeThread? in
            defer { t = nil }
            return t
        }
        t?.join()
    }

    private static func serve(session: String, key: String, shards: Int, params: [String: String], host: String,
                              security: TrainingSecurity?, timeout: Duration, artifacts: ArtifactStore, logger: Logger, state: Shared,
                              bound: DispatchSemaphore) {
        let context: ZMQContext
        let transport: NetworkShardTransport
        do {
            context = try ZMQContext()
            transport = try NetworkShardTransport(
                context: context, host: host, session: session, shards: shards, shardTimeout: timeout,
                reassign: { s in state.withLock { $0.reassign.append(s) } },
                stopped: { state.withLock { $0.stop } }, security: security)
        } catch {
            state.withLock { $0.failure = "cannot bind the training socket on \(host): \(error)" }
            bound.signal()
            return
        }
        state.withLock { $0.endpoint = transport.endpoint }
        bound.signal()
        logger.info("pipeline.training.started", metadata: ["step": "\(key)", "endpoint": "\(transport.endpoint)", "shards": "\(shards)"])
        let final: TrainingFrame
        do {
            final = try train(transport, key: key, params: params, artifacts: artifacts, logger: logger)
            logger.info("pipeline.training.finished", metadata: ["step": "\(key)", "exchanges": "\(transport.exchanges)",
                                                                 "reassigned": "\(transport.reassignments)"])
        } catch {
            logger.error("pipeline.training.failed", metadata: ["step": "\(key)", "error": "\(error)"])
            final = .abort("\(error)")
        }
        state.withLock { $0.done = true }
        transport.linger(final)
        context.terminate()
    }

    private static func train(_ transport: NetworkShardTransport, key: String, params: [String: String],
                              artifacts: ArtifactStore, logger: Logger) throws -> TrainingFrame {
        if let unknown = params.keys.sorted().first(where: { !TrainingOptions.parameterNames.contains($0) && !jobParameters.contains($0) }) {
            throw DistributedTrainingError("train: job parameter '\(unknown)' is not a train parameter; known: \(TrainingOptions.parameterNames.joined(separator: ", "))")
        }
        var options = try TrainingOptions(params: params.filter { TrainingOptions.parameterNames.contains($0.key) })
        options.spelling = .jobParameter
        options.progress = { done, total in
            if done % 25 == 0 || done == total {
                logger.info("pipeline.training.progress", metadata: ["step": "\(key)", "rounds": "\(done)/\(total)"])
            }
        }
        let model = try DistributedTrainer(options: options, source: "the shards of \(key)").train(transport)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("drover-model-\(UInt64.random(in: 0...UInt64.max)).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let ref = try artifacts.put(fileAt: path)
        var metrics: [String: Double] = [
            "train_rows": Double(model.training.trainingRows),
            "holdout_rows": Double(model.training.holdoutRows),
            "seconds": model.training.seconds,
            "shards": Double(transport.shardCount),
            "exchanges": Double(transport.exchanges),
            "reassigned_shards": Double(transport.reassignments.reduce(0, +)),
        ]
        for (name, value) in model.training.holdoutMetrics?.items ?? [] { metrics[name] = value }
        return .finish(outputs: ["model": ref.description], metrics: metrics)
    }
}
