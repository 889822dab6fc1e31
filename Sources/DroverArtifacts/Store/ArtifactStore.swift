import Glibc
import Synchronization

/// A content-addressed store: every artifact is a read-only file named by the SHA-256 of its
/// bytes, `<root>/sha256/<2 hex>/<64 hex>` (the coordinator's is `<data-dir>/artifacts`).
///
/// Nothing is ever overwritten: bytes go to `<root>/tmp/` first and are linked into place only
/// when complete and checked; adding bytes that are already stored changes nothing. A full
/// disk, a digest or size mismatch or an oversized input is a typed `ArtifactError` and leaves
/// no trace.
///
/// Every method does blocking file I/O: call from a thread of its own, not the cooperative pool.
public final class ArtifactStore: Sendable {
    public let root: String
    /// fsync files and directories before an artifact becomes visible (survives power loss).
    public let durable: Bool
    private let tmpCounter = Atomic<UInt64>(0)

    /// Opens (creating if needed) the store at `root`.
    public init(root: String, durable: Bool = true) throws(ArtifactError) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.durable = durable
        try FileOps.makeDirectories(self.root + "/sha256")
        try FileOps.makeDirectories(self.root + "/tmp")
        removeStaleTemporaries()
    }

    /// The store of a coordinator's data directory: `<dataDirectory>/artifacts`.
    public convenience init(dataDirectory: String) throws(ArtifactError) {
        try self.init(root: dataDirectory + "/artifacts")
    }

    // MARK: Reading

    public func contains(_ digest: ArtifactDigest) -> Bool { FileOps.exists(path(of: digest)) }

    /// Where the artifact's file is (read-only; it may not exist — see `contains`).
    public func path(of digest: ArtifactDigest) -> String {
        "\(root)/sha256/\(digest.hex.prefix(2))/\(digest.hex)"
    }

    /// The artifact's reference (digest and size), or `notFound`.
    public func ref(for digest: ArtifactDigest) throws(ArtifactError) -> ArtifactRef {
        guard let size = FileOps.size(path(of: digest)) else { throw .notFound(digest, where: "the artifact store \(root)") }
        return ArtifactRef(digest: digest, size: size)
    }

    /// Bytes `range` of an artifact (the whole artifact when `range` is nil).
    public func read(_ digest: ArtifactDigest, range: Range<Int64>? = nil) throws(ArtifactError) -> [UInt8] {
        let size = try ref(for: digest).size
        let range = range ?? 0..<size
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw .rangeOutOfBounds(digest, lower: range.lowerBound, upper: range.upperBound, size: size)
        }
        let file = try PosixFile.open(path(of: digest), flags: O_RDONLY)
        var bytes = [UInt8](repeating: 0, count: Int(range.count))
        var done = 0
        while done < bytes.count {
            let n = try ArtifactError.typed {
                try bytes.withUnsafeMutableBytes { raw in
                    try file.pread(into: UnsafeMutableRawBufferPointer(rebasing: raw[done...]), at: range.lowerBound + Int64(done))
                }
            }
            guard n > 0 else {
                throw .sizeMismatch(digest, expected: range.upperBound, actual: range.lowerBound + Int64(done),
                                    source: "stored file \(path(of: digest)) (truncated)")
            }
            done += n
        }
        return bytes
    }

    /// Re-hashes the stored file; throws `corrupt` if its bytes no longer match its name.
    public func verify(_ digest: ArtifactDigest) throws(ArtifactError) {
        let path = path(of: digest)
        guard FileOps.exists(path) else { throw .notFound(digest, where: "the artifact store \(root)") }
        let actual = try FileHashing.digest(ofFileAt: path).digest
        guard actual == digest else { throw .corrupt(digest, actual: actual, path: path) }
    }

    /// Every stored artifact (order unspecified).
    public func list() -> [ArtifactRef] {
        var refs: [ArtifactRef] = []
        for prefix in FileOps.listDirectory(root + "/sha256") {
            for name in FileOps.listDirectory("\(root)/sha256/\(prefix)") {
                guard let digest = try? ArtifactDigest(parsing: name), let size = FileOps.size(path(of: digest)) else { continue }
                refs.append(ArtifactRef(digest: digest, size: size))
            }
        }
        return refs
    }

    // MARK: Adding

    /// Adds a copy of the file at `path` (hashed while copied, so a file changing underneath
    /// cannot be stored under a wrong name).
    @discardableResult
    public func put(fileAt path: String, expected: ArtifactDigest? = nil) throws(ArtifactError) -> ArtifactRef {
        let source = try PosixFile.open(path, flags: O_RDONLY)
        let writer = try writer(source: "file \(path)")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileHashing.chunk, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
        return try writer.finish(expectedDigest: expected)
    }

    /// Adds `bytes`.
    @discardableResult
    public func put(bytes: [UInt8], expected: ArtifactDigest? = nil) throws(ArtifactError) -> ArtifactRef {
        let writer = try writer(source: "\(bytes.count) bytes")
        try writer.write(bytes)
        return try writer.finish(expectedDigest: expected)
    }

    /// A writer for bytes that arrive in pieces (uploads, downloads); `limit` bounds its size.
    public func writer(source: String, limit: Int64 = .max) throws(ArtifactError) -> ArtifactWriter {
        try ArtifactWriter(store: self, source: source, limit: limit)
    }

    /// Removes an artifact (the worker cache's eviction; the coordinator's store never calls it).
    public func remove(_ digest: ArtifactDigest) { FileOps.remove(path(of: digest)) }

    // MARK: Internals

    func newTemporaryPath() -> String {
        let n = tmpCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        return "\(root)/tmp/\(getpid())-\(n)"
    }

    /// Links a finished temporary file into place (never replacing an existing artifact).
    func install(_ tmpPath: String, as digest: ArtifactDigest) throws(ArtifactError) {
        let dir = "\(root)/sha256/\(digest.hex.prefix(2))"
        if mkdir(dir, 0o755) != 0, errno != EEXIST { throw PosixFile.error("mkdir", dir) }
        if try FileOps.moveIfAbsent(tmpPath, to: path(of: digest)), durable { FileOps.syncDirectory(dir) }
    }

    /// Temporary files left by a process that died mid-write: older than a day (another live
    /// process, such as `drover data add` beside a running coordinator, may be writing newer ones).
    private func removeStaleTemporaries() {
        let dayAgo = time(nil) - 86_400
        for name in FileOps.listDirectory(root + "/tmp") {
            var st = stat()
            let path = "\(root)/tmp/\(name)"
            if stat(path, &st) == 0, st.st_mtim.tv_sec < dayAgo { FileOps.remove(path) }
        }
    }
}
