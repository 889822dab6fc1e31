import Crypto

/// The SHA-256 of an artifact's bytes: its name in the store. Text form `sha256:<64 lowercase hex>`
/// (the form used on the wire, in URLs, in job parameters and in Codable).
public struct ArtifactDigest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// 64 lowercase hex characters.
    public let hex: String

    /// Parses `sha256:<64 hex>` (or the bare 64 hex); upper-case hex is accepted and lower-cased.
    public init(parsing text: String) throws(ArtifactError) {
        var body = Substring(text)
        if body.hasPrefix("sha256:") { body = body.dropFirst(7) } else if body.contains(":") {
            throw .invalidDigest(text, reason: "only sha256 digests are supported (write sha256:<64 hex>)")
        }
        guard body.utf8.count == 64 else {
            throw .invalidDigest(text, reason: "a SHA-256 digest has 64 hex characters, this one has \(body.utf8.count)")
        }
        guard body.utf8.allSatisfy({ $0.isHexDigit }) else {
            throw .invalidDigest(text, reason: "it contains characters other than 0-9 and a-f")
        }
        hex = body.lowercased()
    }

    /// The digest of raw SHA-256 output (32 bytes).
    init(_ digest: SHA256.Digest) {
        hex = Hex.lower(digest)
    }

    /// The digest of `bytes` (in memory).
    public static func of(_ bytes: some Sequence<UInt8>) -> ArtifactDigest {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return ArtifactDigest(hasher.finalize())
    }

    public var description: String { "sha256:" + hex }

    /// A short form for logs and tables (`sha256:1a2b3c4d5e6f`).
    public var short: String { "sha256:" + hex.prefix(12) }

    public static func < (a: ArtifactDigest, b: ArtifactDigest) -> Bool { a.hex < b.hex }
}

extension ArtifactDigest: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x61...0x66).contains(self) || (0x41...0x46).contains(self)
    }
}
