@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Effects")
struct EffectsTests {
    @Test("coalescing merges a peer's consecutive acks and DONEs but never reorders what a peer receives")
    func coalescingKeepsOrder() {
        var e = Effects()
        let l1 = Lease(jobID: 1, attempt: 1, token: 1), l2 = Lease(jobID: 2, attempt: 1, token: 2)
        e.toWorkers = [(peer("w"), .resultAck([l1])), (peer("v"), .heartbeat), (peer("w"), .resultAck([l2]))]
        let d1 = ClientReply.DoneJob(jobID: 1, state: .succeeded), d2 = ClientReply.DoneJob(jobID: 2, state: .failed)
        e.toClients = [(client, .done([d1])), (client, .submitted(requestID: 1, jobIDs: [2])), (client, .done([d2])),
                       (client, .done([d1]))]
        let c = e.coalesced()
        #expect(c.toWorkers.count == 2)
        #expect(c.toWorkers[0].message == .resultAck([l1, l2]))
        // The DONE after SUBMITTED stays after it (the client learns the id first).
        #expect(c.toClients.map(\.reply) == [.done([d1]), .submitted(requestID: 1, jobIDs: [2]), .done([d2, d1])])
    }
}

@Suite("Events appended to a batch")
struct AppendingTests {
    static func core() -> CoordinatorCore {
        var core = CoordinatorCore()
        _ = try! core.recover(from: MemoryJournal(), now: 0)
        return core
    }

    @Test("appending(to:) gives the same batch as appending each event's returned effects")
    func sameAsAppend() {
        var a = Self.core(), b = Self.core()
        let hello = WorkerMessage.hello(.init(name: "w", slots: 2, credit: 2, tags: [], kinds: [], held: []))
        let specs = (0..<3).map { _ in JobSpec(kind: "noop") }
        var returned = Effects()
        returned.append(a.workerMessage(from: peer("w"), hello, now: 1))
        returned.append(a.submit(from: client, requestID: 1, watch: true, specs: specs, now: 2))
        returned.append(a.dispatch(now: 3))
        var inPlace = Effects()
        b.appending(to: &inPlace) { $0.workerMessage(from: peer("w"), hello, now: 1) }
        b.appending(to: &inPlace) { $0.submit(from: client, requestID: 1, watch: true, specs: specs, now: 2) }
        b.appending(to: &inPlace) { $0.dispatch(now: 3) }
        #expect(inPlace.journal == returned.journal)
        #expect(inPlace.toWorkers.map(\.message) == returned.toWorkers.map(\.message))
        #expect(inPlace.toClients.map(\.reply) == returned.toClients.map(\.reply))
        #expect(inPlace.allAssignments.count == 2)
    }
}
