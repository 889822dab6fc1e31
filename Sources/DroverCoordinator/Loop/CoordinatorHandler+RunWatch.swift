import DroverProtocol
import ZeroMQ

/// A `run` query held until its run changes (`RunQuery.revision`, `waitMs`).
struct HeldRunQuery {
    var peer: [UInt8]
    var requestID: UInt64
    var body: [UInt8]
    var runID: String
    var revision: Int
    var deadlineMs: Int64
}

/// `drover run --wait` follows a run by asking for the next revision: the answer is held here
/// and sent when the pipeline runner rings its `changes` bell, or at the query's deadline (a tick).
extension CoordinatorHandler {
    /// Holds the query if it asks to wait and its run is still at the revision the client saw.
    func holdRunQuery(peer: [UInt8], requestID: UInt64, body: [UInt8], now: Int64) -> Bool {
        guard let pipelines = options.pipelines, pipelines.changes != nil,
              let query = try? JSONBody.decode(RunQuery.self, body),
              let revision = query.revision, let wait = query.waitMs, wait > 0,
              let current = pipelines.run(id: query.id)?.revision, current == revision
        else { return false }
        heldRuns.append(HeldRunQuery(peer: peer, requestID: requestID, body: body, runID: query.id, revision: revision,
                                     deadlineMs: now + Int64(min(wait, RunQuery.maxWaitMs))))
        return true
    }

    /// Answers the held queries whose run moved on, or (`expiredAt`) whose deadline passed.
    func answerHeldRuns(expiredAt now: Int64? = nil) {
        guard !heldRuns.isEmpty, let pipelines = options.pipelines else { return }
        var kept: [HeldRunQuery] = []
        for held in heldRuns {
            let moved = pipelines.run(id: held.runID)?.revision != held.revision
            guard moved || (now.map { $0 >= held.deadlineMs } ?? false) else {
                kept.append(held)
                continue
            }
            let (code, reply) = QueryRouter.answer(query: RunQuery.name, body: held.body, core: &core, now: clock.nowMs,
                                                   journal: journal.summary, pipelines: pipelines)
            batch.toClients.append((held.peer, .reply(requestID: held.requestID, code: code, body: reply)))
        }
        heldRuns = kept
    }

    func onReadable(fd: Int32, loop: SocketLoop) throws {
        guard let bell = options.pipelines?.changes, fd == bell.fileDescriptor else { return }
        bell.drain()
        answerHeldRuns()
        try commitAndSend()
    }
}
