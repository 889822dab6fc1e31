/// A role of an API token: what its holder may do. Ordered: each role can do what the ones
/// before it can.
public enum APIRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Every read (`GET`), the event stream.
    case read
    /// Also actions: cancel a job, start a run, promote, roll back.
    case `operator`
    /// Also manage tokens.
    case admin

    public static func < (a: APIRole, b: APIRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A stored token (never its secret: only the SHA-256 of it).
public struct APITokenRecord: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    public var role: APIRole
    public var createdBy: String
    public var createdAt: Double
    public var revokedAt: Double?

    public var isRevoked: Bool { revokedAt != nil }
    /// How actions taken with this token are attributed in the audit.
    public var actor: String { "token:\(name) (\(id))" }
}

/// One audited action taken through the API.
public struct APIActionRecord: Sendable, Codable, Hashable {
    public var id: Int64
    public var at: Double
    public var actor: String
    public var action: String
    public var target: String
    public var outcome: String
}

public enum AccessError: Error, Equatable, CustomStringConvertible {
    case unknownToken(String, known: [String])
    case invalidName(String)
    case unknownWebhook(Int64, known: [Int64])
    case storage(String)

    public var description: String {
        switch self {
        case .unknownToken(let t, let known):
            "no token with id or name '\(t)'" + (known.isEmpty ? "; there are no tokens" : "; tokens: \(known.joined(separator: ", "))")
        case .invalidName(let n):
            "invalid token name '\(n)': use 1–64 letters, digits, '_', '-', '.' or '@'"
        case .unknownWebhook(let id, let known):
            "no webhook \(id)" + (known.isEmpty ? "; there are none" : "; webhooks: \(known.map(String.init).joined(separator: ", "))")
        case .storage(let why):
            "token storage error: \(why). Check free disk space and permissions."
        }
    }
}
