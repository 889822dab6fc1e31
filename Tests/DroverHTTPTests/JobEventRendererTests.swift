@testable import DroverHTTP
import DroverCore
import DroverProtocol
import Foundation
import Testing

@Suite("Job events from journal records")
struct JobEventRendererTests {
    func objects(_ r: inout JobEventRenderer) throws -> [[String: Any]] {
        let (data, ends) = r.take()
        var from = 0
        return try ends.map { end in
            defer { from = end }
            return try #require(try JSONSerialization.jsonObject(with: Data(data[from..<end])) as? [String: Any])
        }
    }

    @Test("each transition is one event: submitted, assigned (per lease), re-queued with its cause, finished; kind is remembered until the job ends")
    func transitions() throws {
        var r = JobEventRenderer()
        r.add(.submitted(7, JobSpec(kind: "tr\"ain"), atMs: 1_000))
        r.add(.assigned(worker: "w\\1", leases: [Lease(jobID: 7, attempt: 1, token: 9)], atMs: 1_001))
        r.add(.requeued(7, cause: .workerLost, readyAtMs: 1_002, message: "", atMs: 1_002))
        r.add(.requeued(7, cause: .retryAfterFailure, readyAtMs: 2_000, message: "", atMs: 1_003))
        r.add(.finished(7, attempt: 2, state: .failed, metrics: [:], message: "x", atMs: 1_004))
        r.add(.cancelled(8, atMs: 1_005))
        r.add(.epoch(3, atMs: 0))
        let events = try objects(&r)
        #expect(events.map { $0["state"] as? String } == ["queued", "assigned", "queued", "retry-wait", "failed", "cancelled"])
        #expect(events[0]["kind"] as? String == "tr\"ain" && events[1]["worker"] as? String == "w\\1" && events[1]["attempt"] as? Int == 1)
        #expect(events[2]["cause"] as? String == "workerLost" && events[4]["attempt"] as? Int == 2 && events[4]["at"] as? Int == 1_004)
        #expect(events[5]["kind"] == nil, "a job whose submission was not seen has no kind")
        #expect(r.liveJobs == 0 && r.count == 0)
    }

    @Test("control characters in names are escaped, so every event is valid JSON")
    func escaping() throws {
        var r = JobEventRenderer()
        r.add(.submitted(1, JobSpec(kind: "a\nb\u{1}"), atMs: 5))
        #expect(try objects(&r).first?["kind"] as? String == "a\nb\u{1}")
    }
}
