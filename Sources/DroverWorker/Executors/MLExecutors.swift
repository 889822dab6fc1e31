import DroverML
import Foundation
import NativeThreads

/// `train`: fits a built-in model on a CSV and writes the model file.
///
/// Parameters: `data` (CSV path), `label`, `model` (gbdt, logistic, linear, ridge; default gbdt),
/// `out` (model path, written only when the attempt succeeds: see `AttemptOutput`), optional `holdout_modulo`, `exclude` (comma list), `seed`, `trees`,
/// `learning_rate`. Metrics: the holdout metrics (accuracy, roc_auc, rmse, …), `train_rows`,
/// `holdout_rows`, `seconds`. Cancellation is checked between CSV chunks, boosting rounds and
/// L-BFGS iterations.
public struct TrainExecutor: JobExecutor {
    public init() {}
    public var kind: String { "train" }

    public func run(_ job: JobContext) async throws -> [String: Double] {
        let data = try job.require("data"), label = try job.require("label"), out = try job.require("out")
        let modelName = job.params["model"] ?? "gbdt"
        guard let model = ModelKind(rawValue: modelName) else {
            throw JobFailure("train: model '\(modelName)' is unknown; use one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var options = TrainingOptions(kind: model, label: label)
        if let k = job.params["holdout_modulo"] {
            guard let v = Int(k), v >= 2 else { throw JobFailure("train: holdout_modulo must be an integer ≥ 2, got '\(k)'") }
            options.holdoutModulo = v
        }
        if let ex = job.params["exclude"], !ex.isEmpty { options.exclude = ex.split(separator: ",").map(String.init) }
        if let s = job.params["seed"] { options.seed = UInt64(s) ?? 0 }
        if let t = job.params["trees"], let v = Int(t) { options.trees = v }
        if let lr = job.params["learning_rate"], let v = Double(lr) { options.learningRate = v }
        let settings = options
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
        var metrics: [String: Double] = [
            "train_rows": Double(trained.training.trainingRows),
            "holdout_rows": Double(trained.training.holdoutRows),
            "seconds": trained.training.seconds,
        ]
        for (name, value) in trained.training.holdoutMetrics?.items ?? [] { metrics[name] = value }
        return metrics
    }
}
