import DroverML
import Foundation
import NativeThreads

/// `features`: column transforms on one row shard of a span; the shard's result is a CSV
/// artifact, and a features step's shards, in order, are its versioned output.
///
/// Parameters: `input`, `range` (as `stats`); `exclude` (comma list: columns dropped, e.g. ids);
/// `log` (comma list: numeric columns replaced by log(1 + x), for skewed magnitudes).
/// Output `features`; metrics `rows`, `columns`.
public struct FeaturesExecutor: JobExecutor {
    public init() {}
    public var kind: String { "features" }

    public func run(_ job: JobContext) async throws -> [String: Double] {
        let bytes = try await PipelineInputs.shard(job)
        let exclude = Set(list(job.params["exclude"])), logged = Set(list(job.params["log"]))
        let (csv, rows, columns) = try await runOffPool { () throws -> ([UInt8], Int, Int) in
            var table = try CSVReader.read(data: bytes, source: "shard \(job.params["range"] ?? "") of \(job.params["input"] ?? "")")
            for name in exclude.union(logged) where table.column(named: name) == nil {
                throw JobFailure("features: column '\(name)' is not in the data; columns: \(table.columnNames.joined(separator: ", "))")
            }
            table.columns.removeAll { exclude.contains($0.name) }
            for i in table.columns.indices where logged.contains(table.columns[i].name) {
                guard table.columns[i].type == .numeric else {
                    throw JobFailure("features: log needs a numeric column; '\(table.columns[i].name)' is \(table.columns[i].type.rawValue)")
                }
                table.columns[i].numbers = table.columns[i].numbers.map { $0.isNaN ? $0 : Foundation.log1p(Swift.max($0, 0)) }
            }
            return (TableCSV.write(table), table.rowCount, table.columns.count)
        }
        let ref = try await job.artifacts.upload(bytes: csv)
        job.outputs.set("features", ref.description)
        job.outputs.set("rows", String(rows))
        return ["rows": Double(rows), "columns": Double(columns)]
    }

    func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
