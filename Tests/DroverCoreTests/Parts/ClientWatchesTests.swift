@testable import DroverCore
import DroverProtocol
import Testing

@Suite("ClientWatches")
struct ClientWatchesTests {
    let a = peer("a"), b = peer("b")

    @Test("an ended job reports DONE to its watcher once; a job already ended is reported at once")
    func doneOnce() {
        var w = ClientWatches()
        let states: [JobID: JobState] = [1: .queued, 2: .succeeded]
        let now = w.watch(a, jobIDs: [1, 2, 2, 99], state: { states[$0] })
        #expect(now == [ClientReply.DoneJob(jobID: 2, state: .succeeded)]) // repeated and unknown ids: nothing more
        #expect(w.ended(JobEnded(id: 1, state: .failed))?.peer == a)
        #expect(w.ended(JobEnded(id: 1, state: .failed)) == nil)
        #expect(w.activeClients == 0) // its last watch ended: the slot was recycled
    }

    @Test("a job watched again by another client reports only to the newest; slots are reused")
    func moveAndReuse() {
        var w = ClientWatches()
        _ = w.watch(a, jobIDs: [1], state: { _ in .queued })
        _ = w.watch(b, jobIDs: [1], state: { _ in .queued })
        #expect(w.activeClients == 1) // a lost its only watch
        #expect(w.ended(JobEnded(id: 1, state: .succeeded))?.peer == b)
        _ = w.watch(a, jobIDs: [2], state: { _ in .queued })
        _ = w.watch(a, jobIDs: [2], state: { _ in .queued }) // the same client again keeps its watch
        #expect(w.ended(JobEnded(id: 2, state: .cancelled))?.peer == a)
        #expect(w.clients.count == 2) // two clients at once at most: freed slots were reused
    }
}
