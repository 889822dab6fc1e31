import DroverArtifacts
import DroverML
import Foundation
import NativeThreads

/// Reading a pipeline job's data: shards of a span by byte range, or whole artifacts joined
/// (the features shards of a train or evaluate job). Parameters hold `ArtifactRef` text.
enum PipelineInputs {
    /// Header + the rows of `params.input` whose start lies in `params.range`.
    static func shard(_ job: JobContext) async throws -> [UInt8] {
        let ref = try job.requireArtifact("input")
        let text = try job.require("range")
        guard let range = CSVShard.parseRange(text), range.upperBound <= ref.size else {
            throw JobFailure("\(job.kind): parameter 'range' must be START-END within the artifact's \(ref.size) bytes, got '\(text)'")
        }
        let access = job.artifacts
        return try await CSVShard.read(size: ref.size, range: range) { r in try await access.read(ref, range: r) }
    }

    /// The CSV artifacts in `params.inputs` (comma list) as one table: one header, all rows in order.
    static func joined(_ job: JobContext) async throws -> Table {
        let list = try job.require("inputs").split(separator: ",").map(String.init)
        guard !list.isEmpty else { throw JobFailure("\(job.kind): parameter 'inputs' lists no artifacts") }
        var paths: [String] = []
        for text in list {
            let ref: ArtifactRef
            do { ref = try ArtifactRef(parsing: text) } catch { throw JobFailure("\(job.kind): input '\(text)': \(error)") }
            paths.append(try await job.artifacts.localPath(ref))
        }
        let files = paths
        return try await runOffPool {
            if files.count == 1 { return try CSVReader.read(path: files[0]) }
            var bytes: [UInt8] = []
            for (i, path) in files.enumerated() {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw JobFailure("\(job.kind): cannot read the cached artifact at \(path)")
                }
                let data = [UInt8](contents)
                if i == 0 {
                    bytes += data
                } else if let nl = data.firstIndex(of: UInt8(ascii: "\n")) {
                    bytes += data[(nl + 1)...]
                }
                if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
            }
            return try CSVReader.read(data: bytes, source: "inputs of job \(job.jobID)")
        }
    }

    /// `holdout_modulo` (default 5): the same rows train holds out and evaluate scores.
    static func holdoutModulo(_ job: JobContext) throws -> Int {
        let text = job.params["holdout_modulo"] ?? "5"
        guard let k = Int(text), k >= 2 else { throw JobFailure("\(job.kind): holdout_modulo must be an integer ≥ 2, got '\(text)'") }
        return k
    }
}
