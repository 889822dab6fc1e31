@testable import DroverHTTP
import Testing

@Suite("Webhook drops")
struct WebhookDropsTests {
    @Test("events a full queue turns away are logged as one row per webhook per second, with the count and the ids")
    func coalesced() {
        var drops = WebhookDispatcher.Drops()
        let t0 = ContinuousClock.now
        for id in UInt64(10)...12 { drops.add(7, DroverEvent(id: id, type: "job", data: "{}")) }
        let first = drops.due(now: t0)
        #expect(first.count == 1 && first[0].0 == 7 && first[0].1.count == 3 && first[0].1.first.id == 10 && first[0].1.lastID == 12)
        for id in UInt64(13)...1_012 { drops.add(7, DroverEvent(id: id, type: "job", data: "{}")) }
        #expect(drops.due(now: t0 + .milliseconds(500)).isEmpty, "at most one row a second")
        let later = drops.due(now: t0 + .seconds(1))
        #expect(later.count == 1 && later[0].1.count == 1_000 && later[0].1.first.id == 13)
        #expect(drops.due(now: t0 + .seconds(5)).isEmpty, "nothing pending, nothing logged")
    }
}
