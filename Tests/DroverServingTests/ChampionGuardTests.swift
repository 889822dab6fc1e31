import DroverServing
import Testing

@Suite("Champion guard")
struct ChampionGuardUnitTests {
    @Test("rolls back once, only after enough requests, only when the previous version did better")
    func decisions() {
        var g = ChampionGuard(maxErrorRate: 0.2, minimumRequests: 20)
        g.moved(to: 1)
        for _ in 0..<50 { g.record(version: 1, failed: false) }
        #expect(g.rollbackTarget() == nil) // no earlier version
        g.moved(to: 2)
        for i in 0..<19 { g.record(version: 2, failed: i % 2 == 0) }
        #expect(g.rollbackTarget() == nil) // 19 < 20 requests
        g.record(version: 1, failed: true) // an old version's late answer does not count
        g.record(version: 2, failed: true)
        #expect(g.rollbackTarget()?.to == 1)
        #expect(g.rollbackTarget() == nil) // asked once
        var healthy = ChampionGuard(maxErrorRate: 0.2, minimumRequests: 20)
        healthy.moved(to: 1)
        healthy.moved(to: 2)
        for i in 0..<40 { healthy.record(version: 2, failed: i % 10 == 0) }
        #expect(healthy.rollbackTarget() == nil) // 10 % ≤ 20 %
    }
}
