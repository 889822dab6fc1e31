import DroverArtifacts
import DroverML
import Foundation
import NativeThreads

/// `evaluate`: scores the candidate model and, when given, the champion on the same holdout rows
/// (row i with i % holdout_modulo == holdout_modulo − 1, the rows `train` held out).
///
/// Parameters: `inputs` (CSV artifacts, comma list), `candidate` (model artifact), optional
/// `baseline` (the champion's model artifact), `holdout_modulo` (default 5).
/// Metrics: `candidate.M` and `baseline.M` for each metric M of the task (rmse, mae, r2 or
/// accuracy, precision, recall, f1, roc_auc, log_loss), and `holdout_rows`.
public struct EvaluateExecutor: JobExecutor {
    public init() {}
    public var kind: String { "evaluate" }

    public func run(_ job: JobContext) async throws -> [String: Double] {
        let table = try await PipelineInputs.joined(job)
        let k = try PipelineInputs.holdoutModulo(job)
        var models: [(String, String)] = [("candidate", try await modelPath(job, "candidate"))]
        if job.params["baseline"] != nil { models.append(("baseline", try await modelPath(job, "baseline"))) }
        let scored = models
        return try await runOffPool {
            let holdout = TableCSV.rows(table, Array(stride(from: k - 1, to: table.rowCount, by: k)))
            guard holdout.rowCount > 0 else { throw JobFailure("evaluate: the inputs have no holdout rows (\(table.rowCount) rows, holdout_modulo \(k))") }
            var metrics: [String: Double] = ["holdout_rows": Double(holdout.rowCount)]
            for (role, path) in scored {
                let model = try ModelFile.read(path: path)
                let result = try model.evaluate(holdout, source: "holdout of job \(job.jobID)")
                for (name, value) in result.items { metrics["\(role).\(name)"] = value }
            }
            return metrics
        }
    }

    func modelPath(_ job: JobContext, _ name: String) async throws -> String {
        try await job.artifacts.localPath(try job.requireArtifact(name))
    }
}
