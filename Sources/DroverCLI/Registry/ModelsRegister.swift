import ArgumentParser
import DroverArtifacts
import DroverML
import DroverStore
import Foundation
import NativeThreads

/// `drover models register NAME FILE`: a model file trained outside a pipeline becomes the next
/// version (its bytes in the artifact store, its signature recorded).
struct ModelsRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a model file (drover train --out) as the next version of a model.",
        discussion: """
        The file is checked (it must be a Drover model), stored in the data directory's
        artifact store (created if needed) and registered; the same bytes registered twice are one version.
        It is not promoted: use drover models promote, or a rollout.
        Exit 0 registered, 2 bad input.
        Example:
          drover models register churn churn.drover
        """)

    @Argument(help: "The model name.")
    var name: String
    @Argument(help: "A model file written by drover train.")
    var file: String
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await TrainSupport.run {
            try store.createIfMissing() // serving a model trained by hand
            let (_, registry) = try store.open()
            let path = file, root = store.path
            let (ref, model) = try await runOffPool { () throws -> (ArtifactRef, ModelFile) in
                let model = try ModelFile.read(path: path)
                return (try ArtifactStore(dataDirectory: root).put(fileAt: path), model)
            }
            let signature = String(decoding: try JSONEncoder().encode(model.signature), as: UTF8.self)
            let metrics = Dictionary((model.training.holdoutMetrics?.items ?? []).map { ($0.0, $0.1) }) { a, _ in a }
            do {
                let v = try await registry.registerVersion(model: name, artifactDigest: ref.digest.description, signature: signature,
                                                           metrics: metrics, runID: nil, sourceKey: ref.digest.description)
                if output.json { return try Output.json(v) }
                Output.line("\(name) version \(v.version): \(ref.digest) (\(model.kind.rawValue), \(model.signature.columns.count) inputs)")
            } catch { throw cliError(error) }
        }
    }
}
