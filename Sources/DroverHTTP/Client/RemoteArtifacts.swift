import DroverArtifacts
import NIOPosix
import Synchronization

/// `JobContext.artifacts` on a worker: artifacts from the coordinator's server through a local
/// cache bounded in bytes. A cached artifact costs no transfer; concurrent jobs asking for the
/// same artifact share one download.
public final class RemoteArtifacts: ArtifactAccess {
    public let client: ArtifactClient
    public let cache: ArtifactCache
    private let downloads = Mutex<[ArtifactDigest: Task<String, any Error>]>([:])

    public init(client: ArtifactClient, cache: ArtifactCache) {
        self.client = client
        self.cache = cache
    }

    public func localPath(_ ref: ArtifactRef) async throws -> String {
        if let path = try await cached(ref) { return path }
        let (task, started) = downloads.withLock { running -> (Task<String, any Error>, Bool) in
            if let task = running[ref.digest] { return (task, false) }
            let client = self.client, cache = self.cache
            let task = Task { try await client.download(ref, into: cache) }
            running[ref.digest] = task
            return (task, true)
        }
        defer { if started { _ = downloads.withLock { $0.removeValue(forKey: ref.digest) } } }
        return try await task.value
    }

    /// From the cache, downloading the whole artifact first (digest-checked, shared by the
    /// jobs asking for it) when it fits the cache; only an artifact larger than the whole cache
    /// is read as a ranged request, whose bytes are length-checked only (docs/security.md).
    public func read(_ ref: ArtifactRef, range: Range<Int64>) async throws -> [UInt8] {
        guard ref.size <= cache.maxBytes else { return try await client.fetch(ref, range: range) }
        _ = try await localPath(ref)
        let store = cache.store
        return try await NIOThreadPool.singleton.runIfActive { try store.read(ref.digest, range: range) }
    }

    /// The cache lookup (a `stat`) on the thread pool.
    private func cached(_ ref: ArtifactRef) async throws -> String? {
        let cache = self.cache
        return try await NIOThreadPool.singleton.runIfActive { cache.lookup(ref) }
    }

    public func upload(fileAt path: String) async throws -> ArtifactRef {
        try await client.upload(fileAt: path)
    }
}
