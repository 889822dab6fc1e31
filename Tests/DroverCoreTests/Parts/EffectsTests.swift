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
