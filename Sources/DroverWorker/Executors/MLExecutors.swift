import DroverML
import Foundation
import NativeThreads

/// `train`: fits a built-in model on a CSV and writes the model file — or, with `inputs`
/// instead of `data` and `out`, on CSV artifacts, uploading the model (TrainExecutor+Artifacts).
///
/// Parameters: `data` (CSV path), `out` (model path), and the training options of
/// `TrainingOptions(params:)` (`label`, `model`, `holdout_modulo`, `exclude`, `seed`, `trees`,
/// `leaves`, `learning_rate`, `max_bins`, `min_data_in_leaf`, `l2`, `max_iterations`, `threads`).
/// A bad or unknown parameter fails the job with a message naming it. `out` is written only when
/// the attempt succeeds (see `AttemptOutput`). Metrics: the holdout metrics (accuracy, roc_auc,
/// rmse, …), `train_rows`, `holdout_rows`, `seconds`. Cancellation is checked between CSV chunks,
/// boosting rounds and L-BFGS iterations.
public struct TrainExecutor: JobExecutor {
    public init() {}
    public var kind: String { "train" }

    /// Every parameter a `train` job may carry.
    public static let parameterNames = ["data", "out"] + TrainingOptions.parameterNames

    public func run(_ job: JobContext) async throws -> [String: Double] {
        if job.params["inputs"] != nil { return try await runOnArtifacts(job) }
        let data = try job.require("data"), out = try job.require("out")
        let settings = try Self.options(job, allowed: Self.parameterNames)
        let cancellation = job.cancellation
        let output = AttemptOutput(path: out, jobID: job.jobID, attempt: job.attempt)
        let trained = try await runOffPool {
            var csv = CSVOptions()
            csv.cancellation = cancellation
            let table = try CSVReader.read(path: data, options: csv)
            let model = try ModelTrainer.train(table, source: data, options: settings, cancellation: cancellation)
            try output.write(cancellation: cancellation) { try model.write(to: $0) }
            return model
        }
        return Self.metrics(trained)
    }
}

extension TrainExecutor {
    /// Training options from the job's parameters; a parameter outside `allowed` fails the job.
    static func options(_ job: JobContext, allowed: [String]) throws -> TrainingOptions {
        if let unknown = job.params.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw JobFailure("train: job parameter '\(unknown)' is not a train parameter; known: \(allowed.joined(separator: ", "))")
        }
        var params = job.params
        for name in params.keys where !TrainingOptions.parameterNames.contains(name) { params[name] = nil }
        do {
            return try TrainingOptions(params: params, spelling: .jobParameter)
        } catch let error as ModelError {
            throw JobFailure("train: \(error)")
        }
    }

    /// What a train job reports: the holdout metrics, row counts and time.
    static func metrics(_ trained: ModelFile) -> [String: Double] {
        var metrics: [String: Double] = [
            "train_rows": Double(trained.training.trainingRows),
            "holdout_rows": Double(trained.training.holdoutRows),
            "seconds": trained.training.seconds,
        ]
        for (name, value) in trained.training.holdoutMetrics?.items ?? [] { metrics[name] = value }
        return metrics
    }
}
