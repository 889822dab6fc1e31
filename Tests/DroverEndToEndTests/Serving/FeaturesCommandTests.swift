import Foundation
import Testing

/// `drover features` on a generated source: apply, materialize, online reads with the TTL, and
/// the point-in-time join for training, all through the real binary.
@Suite("drover features", .offPool)
struct FeaturesCommandTests {
    @Test("apply, materialize up to a time, get (present, stale, missing), join point-in-time")
    func lifecycle() throws {
        let f = try ServeFixture()
        let dir = f.dir.path
        try """
        customer_id,event_time,spend,plan
        1,100,10.5,pro
        1,200,20.5,plus
        2,50,5,basic
        1,900,90,pro
        3,abc,1,pro
        """.write(toFile: "\(dir)/activity.csv", atomically: true, encoding: .utf8)
        try """
        feature_views:
          - name: spend_view
            source: activity.csv
            entity: customer_id
            timestamp: event_time
            ttl: 100s
            features: [spend, plan]
        """.write(toFile: "\(dir)/features.yaml", atomically: true, encoding: .utf8)
        let applied = try drover(["features", "apply", "\(dir)/features.yaml", "--data-dir", f.dataDir])
        #expect(applied.status == 0 && applied.stdout.contains("applied spend_view"), "\(applied.stderr)")
        let m = try drover(["features", "materialize", "spend_view", "--to", "250", "--data-dir", f.dataDir, "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(m.stdout.utf8)) as? [String: Any]
        #expect(report?["entities"] as? Int == 2 && report?["future"] as? Int == 1 && report?["skipped"] as? Int == 1, "\(m.stdout)\(m.stderr)")

        let present = try drover(["features", "get", "spend_view", "--entity", "customer_id=1", "--at", "250", "--data-dir", f.dataDir, "--json"])
        let value = try JSONSerialization.jsonObject(with: Data(present.stdout.utf8)) as? [String: Any]
        #expect(present.status == 0 && value?["status"] as? String == "present")
        #expect((value?["values"] as? [String: Any])?["spend"] as? Double == 20.5)
        let stale = try drover(["features", "get", "spend_view", "--entity", "customer_id=2", "--at", "250", "--data-dir", f.dataDir])
        #expect(stale.status == 3 && stale.stdout.contains("stale"), "\(stale.stdout)")
        #expect(try drover(["features", "get", "spend_view", "--entity", "customer_id=7", "--data-dir", f.dataDir]).status == 3)
        #expect(try drover(["features", "get", "spend_view", "--entity", "user=1", "--data-dir", f.dataDir]).status == 2)
        #expect(try drover(["features", "get", "nope", "--entity", "customer_id=1", "--data-dir", f.dataDir]).status == 2)

        try """
        customer_id,label_time,churned
        1,150,no
        1,250,yes
        1,350,no
        2,120,no
        2,160,yes
        """.write(toFile: "\(dir)/labels.csv", atomically: true, encoding: .utf8)
        let joined = try drover(["features", "join", "spend_view", "\(dir)/labels.csv", "--timestamp", "label_time", "--data-dir", f.dataDir])
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(joined.stdout.split(separator: "\n").map(String.init) == [
            "customer_id,label_time,churned,spend,plan",
            "1,150,no,10.5,pro",      // the row at 100; the row at 200 is after the label
            "1,250,yes,20.5,plus",
            "1,350,no,,",             // 200 is older than 350 - 100: expired
            "2,120,no,5,basic",
            "2,160,yes,,",            // 50 < 160 - 100
        ], "\(joined.stdout)")

        let bad = try drover(["features", "apply", "\(dir)/labels.csv", "--data-dir", f.dataDir])
        #expect(bad.status == 2)
    }

    @Test("drover serve --features fills rows by entity key from the online store; a stale value fills nothing")
    func servingReadsFeatures() async throws {
        let f = try ServeFixture()
        let dir = f.dir.path
        let now = Int(Date().timeIntervalSince1970)
        try """
        customer_id,event_time,monthly_spend,support_tickets,plan
        1,\(now - 10),87.79,1,plus
        2,\(now - 864_000),20,4,basic
        """.write(toFile: "\(dir)/activity.csv", atomically: true, encoding: .utf8)
        try """
        feature_views:
          - {name: churn_features, source: activity.csv, entity: customer_id, timestamp: event_time, ttl: 1d,
             features: [monthly_spend, support_tickets, plan]}
        """.write(toFile: "\(dir)/features.yaml", atomically: true, encoding: .utf8)
        #expect(try drover(["features", "apply", "\(dir)/features.yaml", "--data-dir", f.dataDir]).status == 0)
        #expect(try drover(["features", "materialize", "churn_features", "--data-dir", f.dataDir]).status == 0)
        let model = try f.train("gbdt", csv: ServeFixture.examples.appendingPathComponent("span-1.csv").path, extra: ["--trees", "20"])
        try f.promote(try await f.register(model))
        let (server, http) = try f.serve(["--features", "churn_features"])
        defer { server.stop() }

        let full = try http.post("/v1/models/churn/predict", json: #"{"rows":[{"tenure_months":8.1,"monthly_spend":87.79,"support_tickets":1,"plan":"plus","region":"west"}]}"#)
        let filled = try http.post("/v1/models/churn/predict", json: #"{"rows":[{"customer_id":1,"tenure_months":8.1,"region":"west"}]}"#)
        #expect(filled.status == 200, "\(filled.text)")
        let p = { (r: HTTPProbe.Reply) in (r.json?["predictions"] as? [[String: Any]])?.first?["probability"] as? Double }
        #expect(p(filled) != nil && p(filled) == p(full))
        #expect((filled.json?["features"] as? [[String: String]])?.first?["churn_features"] == "present")
        let stale = try http.post("/v1/models/churn/predict", json: #"{"rows":[{"customer_id":2,"tenure_months":8.1,"region":"west"}]}"#)
        #expect(stale.status == 200 && (stale.json?["features"] as? [[String: String]])?.first?["churn_features"] == "stale", "\(stale.text)")
        let unfilled = try http.post("/v1/models/churn/predict", json: #"{"rows":[{"tenure_months":8.1,"region":"west"}]}"#)
        #expect(unfilled.status == 400 && unfilled.text.contains("missing field 'monthly_spend'"), "\(unfilled.text)")
    }
}
