import DroverProtocol
import Foundation
import Testing

@Suite struct QueryRequestTests {
    func bytes(_ json: String) -> [UInt8] { Array(json.utf8) }

    @Test func everyQueryDecodesFromItsNameAndBody() throws {
        #expect(try QueryRequest(name: "status", body: []) == .status(StatusQuery()))
        #expect(try QueryRequest(name: "status", body: bytes("{}")) == .status(StatusQuery()))
        #expect(try QueryRequest(name: "job", body: bytes(#"{"id":42}"#)) == .job(JobQuery(id: 42)))
        #expect(try QueryRequest(name: "jobs", body: bytes(#"{"state":"held","limit":3}"#))
                == .jobs(JobsQuery(state: "held", limit: 3)))
        #expect(try QueryRequest(name: "jobs", body: bytes(#"{"limit":3}"#)) == .jobs(JobsQuery(state: nil, limit: 3)))
        #expect(try QueryRequest(name: "workers", body: []) == .workers(WorkersQuery()))
    }

    @Test func everyCommandDecodesFromItsNameAndBody() throws {
        #expect(try CommandRequest(name: "cancel", body: bytes(#"{"id":7}"#)) == .cancel(CancelJob(id: 7)))
        #expect(try CommandRequest(name: "release", body: bytes(#"{"id":8}"#)) == .release(ReleaseJob(id: 8)))
    }

    @Test func typedRequestsEncodeToTheDocumentedBodies() throws {
        guard case .query(_, let name, let body) = try ClientRequest.query(requestID: 1, JobsQuery(state: "running", limit: 5)) else {
            Issue.record("not a QUERY")
            return
        }
        #expect(name == "jobs")
        let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        #expect(object?["state"] as? String == "running" && object?["limit"] as? Int == 5)
        guard case .command(_, "cancel", let cancel) = try ClientRequest.command(requestID: 2, CancelJob(id: 9)) else {
            Issue.record("not a COMMAND named cancel")
            return
        }
        #expect(String(decoding: cancel, as: UTF8.self) == #"{"id":9}"#)
    }

    @Test func aCommandSentAsQueryIsRefusedWithItsRightMessage() {
        #expect(throws: RequestBodyError.wrongMessage(name: "cancel", expected: "COMMAND")) {
            try QueryRequest(name: "cancel", body: bytes(#"{"id":1}"#))
        }
        #expect(throws: RequestBodyError.wrongMessage(name: "status", expected: "QUERY")) {
            try CommandRequest(name: "status", body: [])
        }
    }

    @Test func unknownNamesAndBadBodiesSayWhatIsWrong() {
        do {
            _ = try QueryRequest(name: "stats", body: [])
            Issue.record("accepted an unknown query")
        } catch {
            #expect(error.code == .unknownCommand)
            #expect(error.description.contains("status, job, jobs, jobs-page, workers"))
        }
        do {
            _ = try QueryRequest(name: "job", body: bytes(#"{"ID":1}"#))
            Issue.record("accepted a body without id")
        } catch {
            #expect(error.code == .badRequest)
            #expect(error.description == "query 'job' has a malformed JSON body: missing field 'id'")
        }
        #expect(throws: RequestBodyError.self) { try CommandRequest(name: "cancel", body: bytes("{not json")) }
    }
}
