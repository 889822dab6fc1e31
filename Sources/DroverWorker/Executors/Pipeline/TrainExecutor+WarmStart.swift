import DroverArtifacts
import DroverML
import Foundation

extension TrainExecutor {
    /// A pipeline's `warm_start: champion` (job parameter `warm_start`: the champion's model
    /// artifact): GBDT keeps the champion's trees and boosts `trees` more rounds, linear and
    /// logistic models start from its weights (and keep its feature transform). When that is not
    /// possible — another model kind, other columns — the job trains cold and says why in its
    /// output `warm_start`, which the run records.
    static func warmStart(_ job: JobContext, options: inout TrainingOptions, table: Table) async throws -> String? {
        guard let text = job.params["warm_start"] else { return nil }
        let champion: ModelFile
        do {
            let ref = try ArtifactRef(parsing: text)
            champion = try ModelFile.read(path: try await job.artifacts.localPath(ref))
        } catch {
            return "cold: the champion's model could not be read (\(error))"
        }
        guard champion.kind == options.kind else {
            return "cold: the champion is a \(champion.kind.rawValue) model and this step trains \(options.kind.rawValue)"
        }
        do {
            try champion.signature.check(table, source: "the training window")
        } catch {
            return "cold: the champion's input columns do not fit the training window (\(error))"
        }
        options.warmStart = champion
        if let trees = champion.gbdt?.trees.count { return "champion: continued boosting from its \(trees) trees" }
        return "champion: its weights were the initial weights"
    }
}
