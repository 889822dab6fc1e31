/// What a job carries to name an artifact: its digest and its size in bytes. Text form
/// `sha256:<64 hex>:<size>` (see `init(parsing:)`), so it fits in a job parameter.
public struct ArtifactRef: Hashable, Sendable, Codable, CustomStringConvertible {
    public var digest: ArtifactDigest
    public var size: Int64

    public init(digest: ArtifactDigest, size: Int64) {
        self.digest = digest
        self.size = size
    }

    /// Parses `sha256:<64 hex>:<size>`.
    public init(parsing text: String) throws(ArtifactError) {
        guard let colon = text.lastIndex(of: ":"), let size = Int64(text[text.index(after: colon)...]), size >= 0 else {
            throw .invalidDigest(text, reason: "an artifact reference is sha256:<64 hex>:<size in bytes>")
        }
        self.init(digest: try ArtifactDigest(parsing: String(text[..<colon])), size: size)
    }

    public var description: String { "\(digest):\(size)" }
}
