import Foundation

/// How an executor reaches artifacts (`JobContext.artifacts`): by digest, wherever it runs.
/// On a worker the artifacts come from the coordinator's artifact server through a local cache
/// checked by digest; in tests and in-process tools straight from an `ArtifactStore`.
public protocol ArtifactAccess: Sendable {
    /// A local, read-only file holding the whole artifact (fetched and digest-checked if needed).
    /// The path stays valid while the job runs; open it promptly (an open file survives eviction).
    func localPath(_ ref: ArtifactRef) async throws -> String
    /// Bytes `range` of the artifact (from the local copy when there is one, otherwise a ranged
    /// request for just those bytes).
    func read(_ ref: ArtifactRef, range: Range<Int64>) async throws -> [UInt8]
    /// Stores a job output and returns its reference (the file is copied; it may be deleted after).
    func upload(fileAt path: String) async throws -> ArtifactRef
}

extension ArtifactAccess {
    /// Stores bytes as an artifact (written to a temporary file, then uploaded).
    public func upload(bytes: [UInt8]) async throws -> ArtifactRef {
        let path = TemporaryFile.path(prefix: "drover-upload")
        try await BlockingIO.run { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting) }
        defer { FileOps.remove(path) }
        return try await upload(fileAt: path)
    }
}

/// The default: this process has no artifact server; every call says how to configure one.
public struct UnavailableArtifacts: ArtifactAccess {
    public init() {}
    private var error: ArtifactError {
        .unavailable("this worker has no artifact server configured: start it with `drover worker --artifacts http://HOST:5557` (or connect to a coordinator that serves artifacts)")
    }
    public func localPath(_ ref: ArtifactRef) async throws -> String { throw error }
    public func read(_ ref: ArtifactRef, range: Range<Int64>) async throws -> [UInt8] { throw error }
    public func upload(fileAt path: String) async throws -> ArtifactRef { throw error }
}

/// Artifacts straight from a store on this machine (tests, `drover data add`, in-process tools).
public struct LocalArtifacts: ArtifactAccess {
    public let store: ArtifactStore
    public init(store: ArtifactStore) { self.store = store }

    public func localPath(_ ref: ArtifactRef) async throws -> String {
        let store = self.store
        try await BlockingIO.run {
            let stored = try store.ref(for: ref.digest)
            guard stored.size == ref.size else {
                throw ArtifactError.sizeMismatch(ref.digest, expected: ref.size, actual: stored.size, source: "stored artifact")
            }
        }
        return store.path(of: ref.digest)
    }

    public func read(_ ref: ArtifactRef, range: Range<Int64>) async throws -> [UInt8] {
        let store = self.store
        return try await BlockingIO.run { try store.read(ref.digest, range: range) }
    }

    public func upload(fileAt path: String) async throws -> ArtifactRef {
        let store = self.store
        return try await BlockingIO.run { try store.put(fileAt: path) }
    }
}
