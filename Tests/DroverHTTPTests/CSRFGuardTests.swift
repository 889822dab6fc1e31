@testable import DroverHTTP
import DroverProtocol
import Testing

@Suite("CSRF guard and histogram text")
struct CSRFGuardTests {
    func check(_ method: String = "POST", host: String? = "127.0.0.1:8080", origin: String? = nil, site: String? = nil,
               type: String? = "application/json", body: Bool = true) -> CSRFGuard.Verdict {
        CSRFGuard.check(method: method, host: host, origin: origin, fetchSite: site, contentType: type, hasBody: body)
    }

    @Test("reads pass; same-origin JSON actions pass; another origin, a null origin, cross-site fetches and form bodies are refused")
    func decisions() {
        #expect(check("GET", origin: "http://evil.example", site: "cross-site", type: nil) == .allowed)
        #expect(check() == .allowed) // curl, SDKs: no Origin, no Sec-Fetch-Site
        #expect(check(origin: "http://127.0.0.1:8080", site: "same-origin") == .allowed)
        #expect(check(host: "drover.example", origin: "https://drover.example:443") == .allowed)
        #expect(check(type: nil, body: false) == .allowed) // an empty cancel
        guard case .crossSite = check(origin: "http://evil.example") else { Issue.record("another origin acted"); return }
        guard case .crossSite = check(origin: "http://127.0.0.1:8081") else { Issue.record("another port acted"); return }
        guard case .crossSite = check(origin: "null") else { Issue.record("an opaque origin acted"); return }
        guard case .crossSite = check(site: "cross-site") else { Issue.record("a cross-site fetch acted"); return }
        guard case .crossSite = check(host: nil, origin: "http://127.0.0.1:8080") else { Issue.record("no Host, an Origin: acted"); return }
        guard case .notJSON = check(type: "application/x-www-form-urlencoded") else { Issue.record("a form body acted"); return }
        guard case .notJSON = check(type: "text/plain;charset=UTF-8") else { Issue.record("a text body acted"); return }
        #expect(check(type: "application/json; charset=utf-8") == .allowed)
    }

    @Test("a counted latency histogram renders as cumulative Prometheus buckets in seconds")
    func histogramText() {
        var h = LatencyHistogram()
        for ms in [0, 3, 3, 40, 999_999_999] as [Int64] { h.observe(ms: ms) }
        let text = HistogramText.render("drover_x_seconds", help: "x.", h)
        #expect(text.contains("# TYPE drover_x_seconds histogram"))
        #expect(text.contains("drover_x_seconds_bucket{le=\"0.001\"} 1\n"))
        #expect(text.contains("drover_x_seconds_bucket{le=\"0.005\"} 3\n"))
        #expect(text.contains("drover_x_seconds_bucket{le=\"0.05\"} 4\n"))
        #expect(text.contains("drover_x_seconds_bucket{le=\"1800.0\"} 4\n"))
        #expect(text.contains("drover_x_seconds_bucket{le=\"+Inf\"} 5\n") && text.contains("drover_x_seconds_count 5\n"))
    }
}
