import DroverArtifacts
import Foundation

/// `fetch`: brings an artifact into this worker's cache (digest and size checked on arrival),
/// e.g. to warm caches before a pipeline. Parameter `artifact` (`sha256:<64 hex>:<size>`).
/// Metrics: `bytes`, `seconds`.
public struct FetchExecutor: JobExecutor {
    public init() {}
    public var kind: String { "fetch" }

    public func run(_ job: JobContext) async throws -> [String: Double] {
        let ref = try job.requireArtifact("artifact")
        let started = ContinuousClock.now
        _ = try await job.artifacts.localPath(ref)
        let d = ContinuousClock.now - started
        return ["bytes": Double(ref.size), "seconds": Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18]
    }
}
