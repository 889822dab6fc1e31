import Crypto
import Glibc
#if os(Linux)
import CSplice
#endif

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
    /// The digest side of `hashWritten`: how far it has read, and its own descriptor.
    private var hashedUpTo: Int64 = 0
    private var readBack: PosixFile?

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

#if os(Linux)
    /// Appends `count` bytes moved out of the pipe `pipe` with splice(2), never through user
    /// space; the digest side reads them back from the file (`hashWritten`). Fails (and removes
    /// the partial file) past the size limit or on a full disk.
    public func appendFromPipe(_ pipe: Int32, count: Int) throws(ArtifactError) {
        guard let file else { throw .io(operation: "splice", path: tmpPath, errno: EBADF, message: "writer already finished") }
        guard written + Int64(count) <= limit else {
            let size = written + Int64(count)
            abort()
            throw .tooLarge(size: size, limit: limit, what: source)
        }
        var moved = 0
        while moved < count {
            let n = splice(pipe, nil, file.fd, nil, count - moved, UInt32(DROVER_SPLICE_F_MOVE))
            if n > 0 { moved += n; continue }
            if n < 0, errno == EINTR { continue }
            if n == 0 { errno = EPIPE }
            let error = PosixFile.error("splice", tmpPath)
            abort()
            throw error
        }
        written += Int64(count)
    }

    /// Feeds the file's bytes from where the previous call stopped up to `end` to the digest,
    /// read back through `mmap` (no copy; the pages mapped in one call). `end` must not pass
    /// what `appendFromPipe` has finished writing; like `hashAlongside`, this may run on its own
    /// thread beside the appends.
    public func hashWritten(through end: Int64) throws(ArtifactError) {
        guard end > hashedUpTo else { return }
        if readBack == nil { readBack = try PosixFile.open(tmpPath, flags: O_RDONLY) }
        let start = hashedUpTo & ~Int64(sysconf(Int32(_SC_PAGESIZE)) - 1)
        let length = Int(end - start)
        guard let map = mmap(nil, length, PROT_READ, MAP_SHARED | MAP_POPULATE, readBack!.fd, off_t(start)), map != MAP_FAILED else {
            throw PosixFile.error("mmap", tmpPath)
        }
        defer { munmap(map, length) }
        let skip = Int(hashedUpTo - start)
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: map + skip, count: length - skip))
        hashedUpTo = end
    }
#endif

    public func write(_ bytes: [UInt8]) throws(ArtifactError) {
        try ArtifactError.typed { try bytes.withUnsafeBytes { try write($0) } }
    }

    /// Checks what arrived against `expected` (digest and/or size), makes the file durable and
    /// read-only, and moves it into place. An artifact already stored is left as it is.
    public func finish(expectedDigest: ArtifactDigest? = nil, expectedSize: Int64? = nil) throws(ArtifactError) -> ArtifactRef {
        readBack = nil
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
