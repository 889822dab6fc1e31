import DroverStore
import Hummingbird

/// Checks `Authorization: Bearer <token>` against the stored token hashes: 401 without a live
/// token, 403 when its role is below what the route needs.
public struct APIAuth: Sendable {
    let access: AccessStore

    public init(access: AccessStore) { self.access = access }

    /// The token's record, or the refusal.
    func require(_ role: APIRole, _ request: Request) async throws -> APITokenRecord {
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "unauthorized", "missing 'Authorization: Bearer TOKEN'; create a token with `drover tokens create --role read`")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError(.unauthorized, "unauthorized", "the Authorization header must be 'Bearer TOKEN'")
        }
        guard let token = try await access.token(hash: TokenSecret.hash(String(parts[1]))) else {
            throw APIError(.unauthorized, "unauthorized", "unknown token; list tokens with `drover tokens list`")
        }
        guard !token.isRevoked else {
            throw APIError(.unauthorized, "token_revoked", "token \(token.name) (\(token.id)) was revoked; create a new one with `drover tokens create`")
        }
        guard token.role >= role else {
            throw APIError(.forbidden, "forbidden", "token \(token.name) has role '\(token.role.rawValue)'; this needs '\(role.rawValue)' or above")
        }
        return token
    }
}
