import Foundation

/// Cross-site request forgery defence for the API's actions, a pure decision over a request's
/// headers. The dashboard sends its token in the `Authorization` header (never a cookie), which a
/// forged request cannot carry; on top of that an action (any method but GET/HEAD/OPTIONS) is
/// refused when the browser says it comes from another site (`Sec-Fetch-Site`), when its
/// `Origin` is not this server, or when it carries a body that is not JSON (the only bodies an
/// HTML form on another site can send without a CORS preflight are form-encoded or text).
public enum CSRFGuard {
    public enum Verdict: Equatable, Sendable {
        case allowed
        /// 403: the request comes from another site.
        case crossSite(String)
        /// 415: an action with a body that is not `application/json`.
        case notJSON(String)
    }

    public static func check(method: String, host: String?, origin: String?, fetchSite: String?,
                             contentType: String?, hasBody: Bool) -> Verdict {
        guard !["GET", "HEAD", "OPTIONS"].contains(method.uppercased()) else { return .allowed }
        if let site = fetchSite?.lowercased(), site == "cross-site" || site == "same-site" {
            return .crossSite("the browser marked this \(method) as \(site) (Sec-Fetch-Site); actions are taken only from the dashboard served by this server")
        }
        if let origin {
            // "null" (a sandboxed frame, a file) and an origin of another host are refused alike.
            let originHost = Self.hostPort(ofOrigin: origin)
            if originHost == nil || host == nil || originHost?.lowercased() != host?.lowercased() {
                return .crossSite("Origin \(origin) is not this server (\(host ?? "no Host header")); actions are taken only from the dashboard served by this server")
            }
        }
        if hasBody {
            let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard type == "application/json" else {
                return .notJSON("an action's body must be JSON: send 'Content-Type: application/json' (got \(contentType.map { "'\($0)'" } ?? "none"))")
            }
        }
        return .allowed
    }

    /// `https://host:port` → `host:port` (the scheme's default port dropped, as in `Host`).
    static func hostPort(ofOrigin origin: String) -> String? {
        guard let schemeEnd = origin.range(of: "://") else { return nil }
        let scheme = origin[..<schemeEnd.lowerBound].lowercased()
        var rest = String(origin[schemeEnd.upperBound...])
        if rest.hasSuffix("/") { rest.removeLast() }
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        if scheme == "http", rest.hasSuffix(":80") { rest.removeLast(3) }
        if scheme == "https", rest.hasSuffix(":443") { rest.removeLast(4) }
        return rest
    }
}
