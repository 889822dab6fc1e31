@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Membership")
struct MembershipTests {
    func entry(_ name: String, credit: Int, now: Int64 = 0) -> WorkerEntry {
        WorkerEntry(peer: peer(name), name: name, nameIndex: 0, slots: credit, tags: [], credit: credit, now: now)
    }

    @Test("leases use credit and become outstanding; a report settles only the current token")
    func leaseAndSettle() {
        var m = Membership()
        m.join(entry("w", credit: 2))
        let l = Lease(jobID: 1, attempt: 1, token: 7)
        m.lease([l], to: peer("w"))
        #expect(m[peer("w")]?.credit == 1)
        #expect(m.holders(of: l) == [peer("w")])
        m.settle([Lease(jobID: 1, attempt: 1, token: 6)], from: peer("w")) // a superseded token
        #expect(m[peer("w")]?.outstanding[1] == 7)
        m.settle([l], from: peer("w"))
        #expect(m[peer("w")]?.outstanding.isEmpty == true)
        #expect(m[peer("w")]?.completed == 1)
    }

    @Test("silence makes a worker suspect (no dispatch), then dead at lease expiry; a message revives a suspect")
    func liveness() {
        var m = Membership()
        m.join(entry("a", credit: 1))
        m.join(entry("b", credit: 1, now: 500))
        let none = m.expired(now: 400, suspectAfterMs: 300, leaseMs: 1_000)
        #expect(none.isEmpty)
        #expect(m.eligible() == [peer("b")])
        let heard = m.heard(peer("a"), now: 450)
        #expect(heard)
        #expect(m.eligible() == [peer("a"), peer("b")])
        let dead = m.expired(now: 1_501, suspectAfterMs: 300, leaseMs: 1_000)
        #expect(dead == [peer("a"), peer("b")])
        let stranger = m.heard(peer("nobody"), now: 0)
        #expect(!stranger)
    }

    @Test("credit is bounded at a million slots")
    func creditBound() {
        var m = Membership()
        m.join(entry("w", credit: 999_999))
        m.addCredit(peer("w"), 10)
        #expect(m[peer("w")]?.credit == 1_000_000)
    }
}
