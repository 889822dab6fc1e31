import DroverProtocol
import Testing

@Suite("Round trips: decode(encode(m)) == m")
struct RoundTripTests {
    @Test("every worker message round-trips", arguments: Samples.workerMessages.indices)
    func workerMessage(_ i: Int) throws {
        let m = Samples.workerMessages[i]
        #expect(try WorkerMessage.decode(m.encode()) == m)
    }

    @Test("every coordinator message round-trips", arguments: Samples.coordinatorMessages.indices)
    func coordinatorMessage(_ i: Int) throws {
        let m = Samples.coordinatorMessages[i]
        #expect(try CoordinatorMessage.decode(m.encode()) == m)
    }

    @Test("every client request round-trips", arguments: Samples.clientRequests.indices)
    func clientRequest(_ i: Int) throws {
        let m = Samples.clientRequests[i]
        #expect(try ClientRequest.decode(m.encode()) == m)
    }

    @Test("every client reply round-trips", arguments: Samples.clientReplies.indices)
    func clientReply(_ i: Int) throws {
        let m = Samples.clientReplies[i]
        #expect(try ClientReply.decode(m.encode()) == m)
    }

    @Test("unicode strings and maps survive byte-exact")
    func unicodeSpec() throws {
        let bytes = ClientRequest.submit(requestID: 9, watch: true, jobs: [Samples.unicodeSpec]).encode()
        guard case .submit(_, _, let jobs) = try ClientRequest.decode(bytes) else {
            Issue.record("not a submit"); return
        }
        let spec = try #require(jobs.first)
        #expect(spec.kind == "train-模型")
        #expect(spec.params["name"] == "Zoë 🚀")
        #expect(spec.params["空"] == "")
        #expect(spec.idempotencyKey == "key-ключ")
        #expect(spec.priority == .high)
    }

    @Test("a spec without idempotency key decodes with nil key")
    func emptyKeyIsNil() throws {
        let bytes = ClientRequest.submit(requestID: 1, watch: false, jobs: [JobSpec(kind: "noop", idempotencyKey: nil)]).encode()
        guard case .submit(_, _, let jobs) = try ClientRequest.decode(bytes) else { Issue.record("not a submit"); return }
        #expect(jobs.first?.idempotencyKey == nil)
    }

    @Test("maps encode in key order, so equal maps give equal bytes")
    func mapsAreCanonical() {
        var a: [String: String] = [:]
        var b: [String: String] = [:]
        for i in 0..<50 { a["k\(i)"] = "v\(i)" }
        for i in (0..<50).reversed() { b["k\(i)"] = "v\(i)" }
        let ea = ClientRequest.submit(requestID: 1, watch: false, jobs: [JobSpec(kind: "x", params: a)]).encode()
        let eb = ClientRequest.submit(requestID: 1, watch: false, jobs: [JobSpec(kind: "x", params: b)]).encode()
        #expect(ea == eb)
    }

    @Test("every frame starts with the DR magic, version 1")
    func header() {
        for f in Samples.allFrames {
            #expect(Array(f.prefix(3)) == [0x44, 0x52, 1])
        }
    }
}
