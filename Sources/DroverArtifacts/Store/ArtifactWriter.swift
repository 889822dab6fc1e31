import Crypto
import Glibc

/// Receives an artifact's bytes in order (a file being added, an upload, a download), hashing
/// them as they are written to a temporary file; `finish` checks the digest and size and moves
/// the file into the store under its digest. Until then nothing is visible in the store;
/// `abort` (or dropping the writer) removes the temporary file.
///
/// Blocking file I/O: call it from a thread of its own, never Swift's cooperative pool.
public final class ArtifactWriter {
    private let store: ArtifactStore
    private var file: PosixFile?
    private let tmpPath: String
    private var hasher = SHA256()
    private let source: String
    private let limit: Int64
    public private(set) var written: Int64 = 0

    init(store: ArtifactStore, source: String, limit: Int64) throws(ArtifactError) {
        self.store = store
        self.source = source
        self.limit = limit
        tmpPath = store.newTemporaryPath()
        file = try PosixFile.open(tmpPath, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
    }

    /// Appends `bytes`; fails (and removes the partial file) past the size limit or on a full disk.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ArtifactError) {
        try writeUnhashed(bytes)
        hashAlongside(bytes)
    }

    /// Appends `bytes` without hashing them: the caller hands the same bytes, in the same order,
    /// to `hashAlongside`. The two touch disjoint state, so each may run on a thread of its own at
    /// the same time (a download hashes one batch while the next is written); `finish` and
    /// `abort` only after both are done.
    public func writeUnhashed(_ bytes: UnsafeRawBufferPointer) throws(ArtifactError) {
        guard let file else { throw .io(operation: "write", path: tmpPath, errno: EBADF, message: "writer already finished") }
        guard written + Int64(bytes.count) <= limit else {
            let size = written + Int64(bytes.count)
            abort()
            throw .tooLarge(size: size, limit: limit, what: source)
        }
        do {
            try file.write(bytes)
        } catch {
            abort()
            throw error
        }
        written += Int64(bytes.count)
    }

    /// Feeds `bytes` to the digest (see `writeUnhashed`).
    public func hashAlongside(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public func write(_ bytes: [UInt8]) throws(ArtifactError) {
        try ArtifactError.typed { try bytes.withUnsafeBytes { try write($0) } }
    }

    /// Checks what arrived against `expected` (digest and/or size), makes the file durable and
    /// read-only, and moves it into place. An artifact already stored is left as it is.
    public func finish(expectedDigest: ArtifactDigest? = nil, expectedSize: Int64? = nil) throws(ArtifactError) -> ArtifactRef {
        guard let file = file.take() else { throw .io(operation: "finish", path: tmpPath, errno: EBADF, message: "writer already finished") }
        let digest = ArtifactDigest(hasher.finalize())
        do throws(ArtifactError) {
            if let expectedSize, expectedSize != written {
                throw ArtifactError.sizeMismatch(expectedDigest ?? digest, expected: expectedSize, actual: written, source: source)
            }
            if let expectedDigest, expectedDigest != digest {
                throw ArtifactError.digestMismatch(expected: expectedDigest, actual: digest, source: source)
            }
            if store.durable { try file.sync() }
            fchmod(file.fd, 0o444)
            _ = consume file
            try store.install(tmpPath, as: digest)
        } catch {
            FileOps.remove(tmpPath)
            throw error
        }
        return ArtifactRef(digest: digest, size: written)
    }

    /// Drops what was written.
    public func abort() {
        if file.take() != nil { FileOps.remove(tmpPath) }
    }

    deinit { abort() }
}
