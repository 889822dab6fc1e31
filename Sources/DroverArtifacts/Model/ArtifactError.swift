/// Everything that can go wrong with an artifact, each saying what, where and what to do.
/// No error leaves a partial artifact behind or changes one already stored.
public enum ArtifactError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Text that is not `sha256:<64 hex>`.
    case invalidDigest(String, reason: String)
    /// The store (or the server) has no artifact with this digest.
    case notFound(ArtifactDigest, where: String)
    /// Bytes arrived (upload, download, put with an expected digest) whose digest is not the expected one.
    case digestMismatch(expected: ArtifactDigest, actual: ArtifactDigest, source: String)
    /// Fewer or more bytes arrived than announced.
    case sizeMismatch(ArtifactDigest?, expected: Int64, actual: Int64, source: String)
    /// A stored file no longer has the digest it is named by (disk damage, someone edited it).
    case corrupt(ArtifactDigest, actual: ArtifactDigest, path: String)
    /// The file system holding `path` is full (ENOSPC / EDQUOT).
    case diskFull(path: String)
    /// An upload or a cache entry bigger than allowed.
    case tooLarge(size: Int64, limit: Int64, what: String)
    /// A byte range outside the artifact.
    case rangeOutOfBounds(ArtifactDigest, lower: Int64, upper: Int64, size: Int64)
    /// Any other system call failure.
    case io(operation: String, path: String, errno: Int32, message: String)
    /// No artifact server is configured where one is needed, or it could not be reached.
    case unavailable(String)
    /// The artifact server refused a request (its status and its explanation).
    case rejected(server: String, status: Int, message: String)

    /// Runs `body`, whose only errors are `ArtifactError`s behind the standard library's
    /// `rethrows` closures (which erase the type), and gives them their type back.
    static func typed<T>(_ body: () throws -> T) throws(ArtifactError) -> T {
        do { return try body() } catch let error as ArtifactError { throw error } catch {
            preconditionFailure("only ArtifactError is thrown here, got \(error)")
        }
    }

    public var description: String {
        switch self {
        case .invalidDigest(let text, let reason):
            "'\(text.prefix(100))' is not an artifact digest: \(reason)"
        case .notFound(let d, let place):
            "artifact \(d) is not in \(place); add it first (drover data add, or an upload) or check the digest"
        case .digestMismatch(let expected, let actual, let source):
            "digest mismatch for \(source): expected \(expected), received bytes hash to \(actual); nothing was stored — retry, and if it persists the sender's copy is damaged"
        case .sizeMismatch(let d, let expected, let actual, let source):
            "\(source)\(d.map { " (\($0))" } ?? ""): expected \(expected) bytes, got \(actual) (truncated or oversized transfer); nothing was stored — retry"
        case .corrupt(let d, let actual, let path):
            "stored artifact \(d) at \(path) is corrupt: its bytes hash to \(actual); restore it from a backup or add the original file again after removing it"
        case .diskFull(let path):
            "no space left on the device holding \(path); free space or move the data directory (nothing already stored was changed)"
        case .tooLarge(let size, let limit, let what):
            "\(what) of \(size) bytes exceeds the limit of \(limit) bytes"
        case .rangeOutOfBounds(let d, let lower, let upper, let size):
            "byte range \(lower)..<\(upper) is outside artifact \(d) of \(size) bytes"
        case .io(let op, let path, let errno, let message):
            "\(op) \(path) failed: \(message) (errno \(errno))"
        case .unavailable(let why):
            why
        case .rejected(let server, let status, let message):
            "artifact server \(server) answered \(status): \(message)"
        }
    }
}
