import Foundation
import Testing

/// HTTPS with a certificate, the bind rule of `--http`, and the dashboard's defences (CSRF
/// refusals, a strict Content-Security-Policy) against a real `drover up`.
@Suite("HTTP security end to end", .offPool, .serialized)
struct HTTPSecurityTests {
    /// A self-signed certificate for 127.0.0.1 made with openssl (no network).
    static func selfSigned(in dir: URL) throws -> (cert: String, key: String) {
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let r = try program("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                  "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                                                  "-addext", "subjectAltName=IP:127.0.0.1"])
        guard r.status == 0 else { throw TestFailure("openssl req: \(r.stderr)") }
        return (cert, key)
    }

    static func curl(_ arguments: [String]) throws -> CommandResult {
        try program("/usr/bin/curl", ["-sS", "--max-time", "20"] + arguments, timeout: .seconds(30))
    }

    @Test("--tls-cert/--tls-key: --http speaks HTTPS (verified against the certificate) beyond loopback, and no plain HTTP")
    func tlsServes() async throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let (cert, key) = try Self.selfSigned(in: cluster.dir)
        let up = try DroverProcess(["up", "--workers", "1", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                    "--http", "0.0.0.0:\(cluster.port + 3)", "--tls-cert", cert, "--tls-key", key],
                                   name: "up", in: cluster.dir)
        defer { up.stop() }
        do { try HTTPProbe(port: cluster.port + 2).waitUntilUp() } catch { throw TestFailure("\(error): \(up.output)") }
        let base = "https://127.0.0.1:\(cluster.port + 3)"
        var metrics = try Self.curl(["--cacert", cert, "\(base)/metrics"])
        let deadline = ContinuousClock.now + .seconds(20)
        while metrics.status == 7, ContinuousClock.now < deadline { // connection refused: the --http server starts after the artifact port
            usleep(100_000)
            metrics = try Self.curl(["--cacert", cert, "\(base)/metrics"])
        }
        #expect(metrics.status == 0 && metrics.stdout.contains("drover_workers_alive"), "\(metrics.stderr) \(up.output)")
        let created = try drover(["tokens", "create", "--role", "read", "--name", "tls", "--data-dir", cluster.dataDir, "--json"])
        let token = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["token"] as? String)
        let cluster1 = try Self.curl(["--cacert", cert, "-H", "Authorization: Bearer \(token)", "-w", "\n%{http_code}", "\(base)/api/v1/cluster"])
        #expect(cluster1.stdout.hasSuffix("\n200") && cluster1.stdout.contains("\"workers\""), "\(cluster1.stdout) \(cluster1.stderr)")
        // Without trusting the certificate the handshake fails (curl 60: peer certificate cannot be authenticated).
        #expect(try Self.curl(["\(base)/metrics"]).status == 60)
        // Plain HTTP gets no HTTP answer on the TLS port.
        let plain = try? HTTPProbe(port: cluster.port + 3).get("/metrics")
        #expect(plain == nil || plain?.status != 200)
    }

    @Test("--http beyond loopback without TLS or --insecure exits 2; half a TLS pair or a bad certificate too, naming the flag or file")
    func bindRule() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let base = ["up", "--workers", "0", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir]
        let exposed = try drover(base + ["--http", "0.0.0.0:\(cluster.port + 3)"])
        #expect(exposed.status == 2 && exposed.stderr.contains("0.0.0.0:\(cluster.port + 3)") && exposed.stderr.contains("--tls-cert"),
                "\(exposed.stderr)")
        let half = try drover(base + ["--http", "127.0.0.1:\(cluster.port + 3)", "--tls-cert", "/nonexistent.pem"])
        #expect(half.status == 2 && half.stderr.contains("--tls-cert and --tls-key go together"), "\(half.stderr)")
        let bogus = cluster.dir.appendingPathComponent("bogus.pem").path
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: bogus))
        let bad = try drover(base + ["--http", "0.0.0.0:\(cluster.port + 3)", "--tls-cert", bogus, "--tls-key", bogus])
        #expect(bad.status == 2 && bad.stderr.contains(bogus), "\(bad.stderr)")
    }

    @Test("actions from another site are refused (Origin, Sec-Fetch-Site: 403; a form body: 415); the same origin acts")
    func csrfRefused() async throws {
        let f = try await HTTPAPITests.Fixture()
        defer { f.stop() }
        var api = f.api
        api.token = try f.token("operator", name: "op")
        let promote = "/api/v1/models/diamonds/promote", body = #"{"version": 2, "reason": "ship"}"#
        let evil = try api.post(promote, json: body, headers: ["Origin": "http://evil.example"])
        #expect(evil.status == 403 && evil.errorCode == "cross_site", "\(evil.text)")
        let opaque = try api.post(promote, json: body, headers: ["Origin": "null"])
        #expect(opaque.status == 403 && opaque.errorCode == "cross_site", "\(opaque.text)")
        let site = try api.post(promote, json: body, headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(site.status == 403 && site.errorCode == "cross_site", "\(site.text)")
        let form = try api.request("POST", promote, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data("version=2".utf8))
        #expect(form.status == 415 && form.errorCode == "not_json", "\(form.text)")
        let audit = try HTTPProbe(port: f.cluster.port + 2, token: try f.token("admin", name: "root")).get("/api/v1/audit")
        #expect(audit.status == 200 && !audit.text.contains("promote"), "refused requests must not act: \(audit.text)")
        // Reads stay open to any origin with a token; the dashboard's own origin acts.
        #expect(try api.get("/api/v1/models", headers: ["Origin": "http://evil.example"]).status == 200)
        let same = try api.post(promote, json: body, headers: ["Origin": "http://127.0.0.1:\(f.cluster.port + 2)", "Sec-Fetch-Site": "same-origin"])
        #expect(same.status == 200, "\(same.text)")
    }

    @Test("every dashboard file carries a strict CSP: nothing inline, nothing from elsewhere, no framing")
    func strictCSP() async throws {
        let f = try await HTTPAPITests.Fixture()
        defer { f.stop() }
        for path in ["/", "/ui/app.js", "/ui/app.css"] {
            let r = try f.api.get(path)
            let csp = r.headers["content-security-policy"] ?? ""
            #expect(r.status == 200 && csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
                    && csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'none'"), "\(path): \(csp)")
            #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("http"), "\(path): \(csp)")
            #expect(r.headers["x-content-type-options"] == "nosniff" && r.headers["x-frame-options"] == "DENY")
        }
        let page = try f.api.get("/").text
        #expect(!page.contains("<script>") && page.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil,
                "inline scripts or handlers would need 'unsafe-inline'")
    }
}
