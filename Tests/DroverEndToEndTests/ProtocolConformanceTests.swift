import DroverProtocol
import Foundation
import Testing
import ZeroMQ

/// The rules of `docs/protocol.md` that a second implementation depends on, checked on the wire:
/// a raw DEALER (`ProtocolPeer`) speaks to the real `drover coordinator`; jobs are submitted and
/// inspected with the real CLI.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct ProtocolConformanceTests {
    /// A coordinator on loopback and a ZeroMQ context for raw workers.
    final class Rig {
        let cluster: TestCluster
        let coordinator: DroverProcess
        let context: ZMQContext

        init() throws {
            cluster = try TestCluster()
            coordinator = try cluster.coordinator()
            context = try ZMQContext()
            try cluster.waitForStatus { _ in true }
        }

        deinit {
            context.terminate()
            coordinator.stop()
            cluster.cleanUp()
        }

        func worker(routingId: [UInt8]? = nil) throws -> ProtocolPeer {
            try ProtocolPeer(context, endpoint: cluster.endpoint, routingId: routingId)
        }

        func submit(_ arguments: [String]) throws {
            let r = try cluster.run(["submit"] + arguments)
            guard r.status == 0 else { throw TestFailure("submit failed: \(r.stderr)") }
        }

        func job(_ id: UInt64) throws -> [String: Any] {
            let r = try cluster.run(["status", "\(id)", "--json"])
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }

        func status() throws -> [String: Any] {
            let r = try cluster.run(["status", "--json"])
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }

        func waitForJob(_ id: UInt64, state: String) throws {
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                if try job(id)["state"] as? String == state { return }
            }
            throw TestFailure("job \(id) never reached \(state); last: \(try job(id))")
        }
    }

    static func header(_ command: UInt8, version: UInt8 = 1) -> [UInt8] { [0x44, 0x52, version, command] }

    @Test("each undecodable frame gets its own ERROR code: version 2, unknown command 3, malformed 1")
    func errorCodes() throws {
        let rig = try Rig()
        let raw = try rig.worker()
        let cases: [([UInt8], ErrorCode)] = [
            (Self.header(0x05, version: 2), .unsupportedVersion),  // HEARTBEAT in protocol version 2
            (Self.header(0x81), .unknownCommand),                  // a client's SUBMIT on the worker socket
            (Self.header(0x7F), .unknownCommand),
            (Self.header(0x02) + [1, 0], .malformed),              // CREDIT cut short
            (Self.header(0x05) + [0], .malformed),                 // trailing byte
            ([0x44, 0x52], .malformed),                            // shorter than the header
            (Array("GET / HTTP/1.1\r\n\r\n".utf8), .malformed),
        ]
        for (frame, expected) in cases {
            try raw.sendRaw(frame)
            let reply = try raw.next().message
            guard case .error(let code, _) = reply else {
                Issue.record("expected ERROR for \(frame.prefix(6)), got \(reply)")
                continue
            }
            #expect(code == expected, "\(frame.prefix(6))")
        }
        #expect(try rig.status()["rejectedFrames"] as? Int == cases.count)
    }

    @Test("a message without a session gets ERROR unknownWorker (7) then DISCONNECT and is counted")
    func messageWithoutSession() throws {
        let rig = try Rig()
        let raw = try rig.worker()
        try raw.send(.heartbeat)
        #expect(try raw.next().message == .error(.unknownWorker, "no session for this connection; send HELLO"))
        guard case .disconnect = try raw.next().message else { throw TestFailure("expected DISCONNECT") }
        #expect(try rig.status()["rejectedFrames"] as? Int == 1)
        // After BYE the session is gone too, and BYE itself is not answered.
        try raw.hello("raw-bye", credit: 0)
        raw.keepAlive = false
        try raw.send(.bye(handedBack: []))
        #expect(try raw.drain(for: .milliseconds(400)).isEmpty, "BYE is not answered")
        try raw.send(.credit(1))
        #expect(try raw.next().message == .error(.unknownWorker, "no session for this connection; send HELLO"))
    }

    @Test("RESULTS from a connection without a session commit by their token and are acknowledged")
    func resultsWithoutSessionCommit() throws {
        let rig = try Rig()
        let worker = try rig.worker()
        try worker.hello("raw-1", credit: 1)
        try rig.submit(["--kind", "echo", "--param", "x=1"])
        let a = try #require(try worker.assignments().first)
        // Another connection, which never said HELLO, reports the attempt (as a worker that lost
        // its session would): committed, acknowledged, then told to say HELLO.
        let orphan = try rig.worker()
        try orphan.send(.results(credit: 5, [AttemptResult(lease: a.lease, outcome: .succeeded, metrics: ["x": 1])]))
        let replies = try (0..<3).map { _ in try orphan.next().message }
        #expect(replies.contains(.resultAck([a.lease])), "\(replies)")
        #expect(replies.contains(.error(.unknownWorker, "no session for this connection; send HELLO")), "\(replies)")
        try rig.waitForJob(a.jobID, state: "succeeded")
        #expect((try rig.job(a.jobID)["metrics"] as? [String: Any])?["x"] as? Double == 1)
        // A stale token from the same connection is acknowledged and discarded.
        let stale = Lease(jobID: a.jobID, attempt: a.attempt, token: a.token + 1)
        try orphan.send(.results(credit: 0, [AttemptResult(lease: stale, outcome: .failed)]))
        #expect(try (0..<3).map { _ in try orphan.next().message }.contains(.resultAck([stale])))
        #expect(try rig.status()["discardedResults"] as? Int == 1)
    }

    @Test("tags are a subset match, kinds are informational, STARTED moves assigned to running")
    func tagsKindsStartedAndKeyOrder() throws {
        let rig = try Rig()
        try rig.submit(["--kind", "noop", "--tag", "gpu"])  // job 1: needs gpu
        try rig.submit(["--kind", "echo", "--param", "x=1"])  // job 2: no tags
        let plain = try rig.worker()
        try plain.hello("raw-plain", slots: 2, credit: 2, tags: [], kinds: [])
        let first = try plain.assignments()
        #expect(first.map(\.jobID) == [2], "an untagged worker with an empty kinds list gets only the untagged job")
        try plain.send(.started([first[0].lease]))
        try rig.waitForJob(2, state: "running")
        try plain.send(.results(credit: 1, [AttemptResult(lease: first[0].lease, outcome: .succeeded)]))
        #expect(try plain.next().message == .resultAck([first[0].lease]))
        #expect(try plain.drain(for: .milliseconds(300)).isEmpty, "the gpu job must not go to a worker without gpu")
        #expect(try rig.job(1)["state"] as? String == "queued")
        // A worker offering a superset of the job's tags takes it (its kinds do not matter).
        let gpu = try rig.worker()
        try gpu.hello("raw-gpu", credit: 1, tags: ["big", "gpu"], kinds: ["something-else"])
        #expect(try gpu.assignments().map(\.jobID) == [1])
    }

    @Test("map keys arrive in ascending code-point order, non-ASCII keys included")
    func mapKeyOrder() throws {
        let rig = try Rig()
        let worker = try rig.worker()
        try worker.hello("raw-keys", credit: 0)
        try rig.submit(["--kind", "echo", "--param", "z=1", "--param", "é=2", "--param", "a=3",
                        "--param", "中=4", "--param", "B=5"])
        try worker.send(.credit(1))
        let (message, frame) = try worker.next()
        guard case .assign(let list) = message, list.count == 1 else { throw TestFailure("expected one ASSIGN, got \(message)") }
        // ASSIGN = header, count u32, jobID u64, attempt u32, token u64, kind string, params map.
        var offset = 4 + 4 + 8 + 4 + 8
        func u32() -> Int {
            defer { offset += 4 }
            return (0..<4).reduce(0) { $0 | Int(frame[offset + $1]) << (8 * $1) }
        }
        func string() -> String {
            let n = u32()
            defer { offset += n }
            return String(decoding: frame[offset..<offset + n], as: UTF8.self)
        }
        _ = string()  // kind
        let keys: [String] = (0..<u32()).map { _ in
            let key = string()
            _ = string()
            return key
        }
        #expect(keys == ["B", "a", "z", "é", "中"])
        #expect(list[0].params["中"] == "4")
    }

    @Test("a repeated HELLO before WELCOME: each is answered, the last one's credit counts (not the sum)")
    func repeatedHello() throws {
        let rig = try Rig()
        let raw = try rig.worker()
        try raw.send(.hello(.init(name: "raw-twice", slots: 1, credit: 3, tags: [], kinds: [], held: [])))
        try raw.send(.hello(.init(name: "raw-twice", slots: 1, credit: 1, tags: [], kinds: [], held: [])))
        guard case .welcome(let w1) = try raw.next().message, case .welcome(let w2) = try raw.next().message else {
            throw TestFailure("each HELLO must get a WELCOME")
        }
        #expect(w1 == w2 && w1.heartbeatMs == 100 && w1.liveness == 3 && w1.leaseMs == 1500)
        raw.keepAlive = true
        try rig.submit(["--kind", "noop", "--count", "3"])
        #expect(try raw.assignments().count == 1)
        #expect(try raw.drain(for: .milliseconds(400)).isEmpty, "never more assignments than the credit")
        try raw.send(.credit(1))
        #expect(try raw.assignments().count == 1)
    }

    @Test("CANCEL reaches the worker; a late result is discarded; a stale held lease is cancelled at HELLO; cancelling an ended or unknown job is refused")
    func cancellation() throws {
        let rig = try Rig()
        let raw = try rig.worker()
        try raw.hello("raw-cancel", credit: 1)
        try rig.submit(["--kind", "sleep", "--param", "ms=600000"])
        let a = try #require(try raw.assignments().first)
        try raw.send(.started([a.lease]))
        try rig.waitForJob(a.jobID, state: "running")
        #expect(try rig.cluster.run(["cancel", "\(a.jobID)"]).status == 0)
        #expect(try raw.next().message == .cancel([a.lease]))
        try raw.send(.results(credit: 1, [AttemptResult(lease: a.lease, outcome: .cancelled)]))
        #expect(try raw.next().message == .resultAck([a.lease]))
        #expect(try rig.job(a.jobID)["state"] as? String == "cancelled")
        #expect(try rig.status()["discardedResults"] as? Int == 1)
        // The same worker on a new connection still claims the lease: it is told to stop it.
        let again = try rig.worker()
        try again.hello("raw-cancel", credit: 0, held: [a.lease])
        #expect(try again.next().message == .cancel([a.lease]))
        // Ended and unknown jobs: refused as bad input (REPLY 5 badRequest, 4 notFound → exit 2).
        let ended = try rig.cluster.run(["cancel", "\(a.jobID)"])
        #expect(ended.status == 2 && ended.stderr.contains("already ended"), "\(ended.stderr)")
        #expect(try rig.cluster.run(["cancel", "999"]).status == 2)
    }

    @Test("BYE hands attempts back without counting a failure; results handed back re-queue at once")
    func byeHandsBack() throws {
        let rig = try Rig()
        let first = try rig.worker()
        try first.hello("raw-a", credit: 2)
        try rig.submit(["--kind", "echo", "--param", "x=1", "--count", "2"])
        var leases = try first.assignments().map(\.lease)
        if leases.count < 2 { leases += try first.assignments().map(\.lease) }
        // One attempt handed back as a RESULT, the other named in BYE.
        try first.send(.results(credit: 0, [AttemptResult(lease: leases[0], outcome: .handedBack)]))
        #expect(try first.next().message == .resultAck([leases[0]]))
        first.keepAlive = false
        try first.send(.bye(handedBack: [leases[1]]))
        let second = try rig.worker()
        try second.hello("raw-b", credit: 2)
        var again = try second.assignments()
        if again.count < 2 { again += try second.assignments() }
        #expect(Set(again.map(\.jobID)) == Set(leases.map(\.jobID)))
        #expect(again.allSatisfy { $0.attempt == 2 })
        for id in leases.map(\.jobID) {
            let causes = (try rig.job(id)["history"] as? [[String: Any]])?.compactMap { $0["cause"] as? String } ?? []
            #expect(causes.contains("handedBack") && !causes.contains("retryAfterFailure"), "\(causes)")
        }
    }

    @Test("routing ids of 1 and 255 bytes are accepted")
    func routingIdLengths() throws {
        let rig = try Rig()
        for id in [[UInt8(0x41)], [UInt8](repeating: 0x42, count: 255)] {
            let raw = try rig.worker(routingId: id)
            #expect(try raw.hello("raw-id-\(id.count)", credit: 0).epoch >= 1)
        }
    }
}
