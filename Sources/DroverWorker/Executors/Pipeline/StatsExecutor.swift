import DroverML
import Foundation
import NativeThreads

/// `stats`: mergeable statistics of one row shard of a CSV span (a validate step's shard job).
///
/// Parameters: `input` (span artifact), `range` (`START-END` bytes; rows starting inside it).
/// Output `statistics`: the shard's `DatasetStatistics` as JSON, merged on the coordinator.
/// Metrics: `rows`.
public struct StatsExecutor: JobExecutor {
    public init() {}
    public var kind: String { "stats" }

    public func run(_ job: JobContext) async throws -> [String: Double] {
        let bytes = try await PipelineInputs.shard(job)
        let encoded = try await runOffPool { () throws -> ([UInt8], Int) in
            let table = try CSVReader.read(data: bytes, source: "shard \(job.params["range"] ?? "") of \(job.params["input"] ?? "")")
            let statistics = DatasetStatistics.compute(table)
            return ([UInt8](try JSONEncoder().encode(statistics)), table.rowCount)
        }
        let ref = try await job.artifacts.upload(bytes: encoded.0)
        job.outputs.set("statistics", ref.description)
        return ["rows": Double(encoded.1)]
    }
}
