@testable import DroverCoordinator
import Testing

@Suite("Disconnect fast path: which closed connection was which worker")
struct DisconnectWatchTests {
    @Test("a closed connection names its worker as a candidate once the grace has passed")
    func probeAfterGrace() {
        var watch = DisconnectWatch(graceMs: 500)
        watch.heard(Array("w1".utf8)[...], on: 7)
        watch.closed(fd: 7, now: 1_000)
        #expect(watch.due(now: 1_499).isEmpty)
        #expect(watch.due(now: 1_500) == [.init(peer: Array("w1".utf8), closedAtMs: 1_000, dueMs: 1_500)])
        #expect(watch.due(now: 9_999).isEmpty) // reported once
    }

    @Test("a descriptor reused by another worker maps to the newest; an unknown descriptor names nobody")
    func reusedDescriptor() {
        var watch = DisconnectWatch(graceMs: 0)
        watch.heard(Array("old".utf8)[...], on: 3)
        watch.heard(Array("new".utf8)[...], on: 3)
        watch.closed(fd: 3, now: 10)
        watch.closed(fd: 4, now: 10)
        #expect(watch.due(now: 10).map(\.peer) == [Array("new".utf8)])
        watch.closed(fd: 3, now: 11) // already reported: the mapping went with the first close
        #expect(watch.due(now: 11).isEmpty)
    }
}
