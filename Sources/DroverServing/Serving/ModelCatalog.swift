import DroverArtifacts
import DroverML
import DroverStore
import Foundation
import NativeThreads
import Synchronization

/// Loads model versions from the registry and the artifact store of a data directory, once per
/// version (a champion and a challenger of the same version share one loaded model).
public final class ModelCatalog: Sendable {
    public let registry: ModelRegistry
    let artifactsRoot: String
    let maxBatchRows: Int
    let inlineRows: Int
    private let loaded = Mutex<[String: ServedModel]>([:])

    public init(registry: ModelRegistry, dataDirectory: String, maxBatchRows: Int = 4_096, inlineRows: Int = 16) {
        self.registry = registry
        self.artifactsRoot = URL(fileURLWithPath: dataDirectory).appendingPathComponent("artifacts").path
        self.maxBatchRows = maxBatchRows
        self.inlineRows = inlineRows
    }

    /// The version an alias points at now (a registry read; cheap enough to poll).
    public func target(model: String, alias: String) async throws -> Int {
        try await registry.resolve(model: model, alias: alias).version
    }

    /// The loaded model of `model` version `version`, reading and parsing its file off the pool.
    public func load(model: String, version: Int) async throws -> ServedModel {
        let key = "\(model):\(version)"
        if let hit = loaded.withLock({ $0[key] }) { return hit }
        let record = try await registry.version(model: model, version)
        let root = artifactsRoot
        let digest = record.artifactDigest
        let file = try await runOffPool { () throws -> ModelFile in
            let store = try ArtifactStore(root: root)
            let bytes = try store.read(try ArtifactDigest(parsing: digest))
            return try ModelFile.decode(Data(bytes), source: "\(model) version \(version) (artifact \(digest))")
        }
        let served = ServedModel(name: model, version: version, digest: digest, model: file, maxBatchRows: maxBatchRows,
                                 inlineRows: inlineRows)
        return loaded.withLock { cache in
            if let raced = cache[key] { return raced }
            cache[key] = served
            return served
        }
    }

    /// Drops loaded versions other than `keep` (after a swap, once requests on them finished).
    public func retain(_ keep: Set<Int>, model: String) {
        loaded.withLock { cache in
            cache = cache.filter { key, value in value.name != model || keep.contains(value.version) }
        }
    }
}
