import DroverArtifacts
import DroverML
import DroverProtocol
import Foundation
import NativeThreads

/// `train-shard`: one row shard of a data-parallel train step (docs/pipelines.md). Reads its
/// `pieces` (`REF@START-END`, comma list: the rows starting in each byte range, as `stats` and
/// `features` do), connects to the coordinator's `trainer` endpoint, says HELLO for `shard` of
/// `session`, and answers the training rounds until the coordinator sends FINISH (the job then
/// reports the model and metrics it names) or ABORT (the job fails with its message).
/// Every other parameter is the step's training parameters, which the coordinator reads.
/// With CURVE, the worker's keys secure the connection to the trainer too. A trainer bound on
/// every interface (`tcp://0.0.0.0:PORT`) is reached at the host of the worker's coordinator.
public struct TrainShardExecutor: JobExecutor {
    public init() {}
    public var kind: String { "train-shard" }

    public func run(_ job: JobContext) async throws -> [String: Double] {
        let trainer = Endpoint.connectable(try job.require("trainer"), coordinator: job.coordinator)
        let session = try job.require("session")
        guard let shard = Int(try job.require("shard")), shard >= 0 else {
            throw JobFailure("train-shard: parameter 'shard' must be a whole number ≥ 0, got '\(job.params["shard"] ?? "")'")
        }
        let bytes = try await Self.read(job)
        let name = "job \(job.jobID) attempt \(job.attempt)"
        let cancellation = job.cancellation
        let idle = Double(job.params["trainer_idle_ms"] ?? "") ?? 120_000
        let curve = job.curve
        let (outputs, metrics) = try await runOffPool {
            let worker = try ShardWorker(csv: bytes, source: "shard \(shard) (\(name))")
            return try ShardLoop(endpoint: trainer, session: session, shard: shard, job: name,
                                 idleLimit: .milliseconds(Int64(idle)), curve: curve).run(worker, cancellation: cancellation)
        }
        for (k, v) in outputs { job.outputs.set(k, v) }
        return metrics
    }

    /// The pieces joined into one CSV: the first piece's header, then every piece's rows.
    static func read(_ job: JobContext) async throws -> [UInt8] {
        let list = try job.require("pieces").split(separator: ",").map(String.init)
        guard !list.isEmpty else { throw JobFailure("train-shard: parameter 'pieces' lists nothing") }
        var out: [UInt8] = []
        for (i, piece) in list.enumerated() {
            let parts = piece.split(separator: "@", maxSplits: 1).map(String.init)
            guard parts.count == 2, let ref = try? ArtifactRef(parsing: parts[0]), let range = CSVShard.parseRange(parts[1]),
                  range.upperBound <= ref.size else {
                throw JobFailure("train-shard: piece '\(piece)' must be sha256:<hex>:<size>@START-END within the artifact")
            }
            let access = job.artifacts
            let bytes = try await CSVShard.read(size: ref.size, range: range) { r in try await access.read(ref, range: r) }
            if i == 0 {
                out = bytes
            } else if let nl = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                out += bytes[(nl + 1)...]
            }
        }
        return out
    }
}
