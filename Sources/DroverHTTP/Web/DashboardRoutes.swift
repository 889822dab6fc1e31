import Hummingbird

/// The dashboard: one HTML page, one script, one stylesheet, all in this binary (no build step,
/// no third-party JavaScript). A strict Content-Security-Policy allows only these same-origin
/// files; the script sends the API token in the `Authorization` header (never a cookie), so
/// another site cannot make the browser act on the user's behalf (CSRF).
struct DashboardRoutes: Sendable {
    static let policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.file(DashboardPage.html, type: "text/html; charset=utf-8") }
        router.get("/ui/app.js") { _, _ in Self.file(DashboardScript.source, type: "text/javascript; charset=utf-8") }
        router.get("/ui/app.css") { _, _ in Self.file(DashboardPage.css, type: "text/css; charset=utf-8") }
    }

    static func file(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [
            .contentType: type, .contentSecurityPolicy: policy, .cacheControl: "no-cache",
            HTTPFields.Element.Name("X-Content-Type-Options")!: "nosniff", HTTPFields.Element.Name("Referrer-Policy")!: "no-referrer",
            HTTPFields.Element.Name("X-Frame-Options")!: "DENY",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
