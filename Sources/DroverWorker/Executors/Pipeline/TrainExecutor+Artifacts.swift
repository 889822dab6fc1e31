import DroverML
import Foundation
import NativeThreads

extension TrainExecutor {
    /// A pipeline's train job: `inputs` (CSV artifacts, joined in order), `label`, the usual
    /// model parameters; the model file is uploaded as output `model`. Metrics as for `train`.
    func runOnArtifacts(_ job: JobContext) async throws -> [String: Double] {
        _ = try job.require("label")
        var options = try Self.options(job, allowed: ["inputs", "warm_start"] + TrainingOptions.parameterNames)
        let table = try await PipelineInputs.joined(job)
        let warm = try await Self.warmStart(job, options: &options, table: table)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("drover-model-\(job.jobID)-\(job.attempt)-\(UInt32.random(in: 0...UInt32.max)).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = options
        let trained = try await runOffPool {
            let model = try ModelTrainer.train(table, source: "inputs of job \(job.jobID)", options: settings, cancellation: job.cancellation)
            try model.write(to: path)
            return model
        }
        let ref = try await job.artifacts.upload(fileAt: path)
        job.outputs.set("model", ref.description)
        if let warm { job.outputs.set("warm_start", warm) }
        return Self.metrics(trained)
    }
}
