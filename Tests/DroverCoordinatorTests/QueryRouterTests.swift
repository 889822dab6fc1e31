@testable import DroverCoordinator
import DroverCore
import DroverProtocol
import Foundation
import Testing

@Suite("Query router: typed queries and commands answered from the core")
struct QueryRouterTests {
    /// A core with one worker and three submitted jobs, the first one leased.
    static func core() -> CoordinatorCore {
        var core = CoordinatorCore()
        _ = try! core.recover(from: MemoryJournal(), now: 0)
        _ = core.workerMessage(from: Array("w".utf8), .hello(.init(name: "w", slots: 1, credit: 1, tags: [], kinds: [], held: [])), now: 0)
        _ = core.submit(from: Array("c".utf8), requestID: 1, watch: false, specs: (0..<3).map { _ in JobSpec(kind: "noop") }, now: 0)
        _ = core.dispatch(now: 0)
        return core
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body))
    }

    @Test("status and job queries answer JSON from the core's parts")
    func queries() throws {
        var core = Self.core()
        let (code, body) = QueryRouter.answer(query: "status", body: [], core: &core, now: 1_000, journal: "test")
        #expect(code == 0)
        let status = try Self.decode(ClusterStatus.self, body)
        #expect(status.jobs["queued"] == 2 && status.jobs["assigned"] == 1)
        #expect(status.workers.alive == 1)
        let job = try JSONBody.encode(JobQuery(id: 1))
        let (jobCode, jobBody) = QueryRouter.answer(query: "job", body: job, core: &core, now: 1_000, journal: "test")
        #expect(jobCode == 0)
        #expect(try Self.decode(JobInfo.self, jobBody).worker == "w")
    }

    @Test("a cancel command ends the job and its effects (journal record, CANCEL to the worker) join the batch")
    func cancelEffectsJoinTheBatch() throws {
        var core = Self.core()
        var batch = Effects()
        let token = core.job(1)!.token
        let body = try JSONBody.encode(CancelJob(id: 1))
        let (code, _) = QueryRouter.answer(command: "cancel", body: body, core: &core, effects: &batch, now: 5)
        #expect(code == 0)
        #expect(batch.journal == [.cancelled(1, atMs: 5)])
        #expect(batch.toWorkers.map(\.message) == [.cancel([Lease(jobID: 1, attempt: 1, token: token)])])
    }

    @Test("an unknown job, an unknown state and an unknown query are errors with their codes")
    func errors() throws {
        var core = Self.core()
        var batch = Effects()
        let missing = try JSONBody.encode(ReleaseJob(id: 99))
        #expect(QueryRouter.answer(command: "release", body: missing, core: &core, effects: &batch, now: 5).0 == ErrorCode.notFound.rawValue)
        #expect(batch.isEmpty)
        let badState = try JSONBody.encode(JobsQuery(state: "sleeping", limit: 10))
        let (code, body) = QueryRouter.answer(query: "jobs", body: badState, core: &core, now: 5, journal: "")
        #expect(code == ErrorCode.badRequest.rawValue)
        #expect(try Self.decode(QueryError.self, body).error.contains("unknown state 'sleeping'"))
        #expect(QueryRouter.answer(query: "nonsense", body: [], core: &core, now: 5, journal: "").0 == ErrorCode.unknownCommand.rawValue)
    }
}
