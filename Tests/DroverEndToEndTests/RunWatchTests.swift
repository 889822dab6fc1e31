import DroverHTTP
import DroverProtocol
import Foundation
import Testing
import ZeroMQ

/// `run` queries that name the revision the client saw: the coordinator holds the answer until
/// the run changes (what `drover run --wait` does instead of polling), or until `waitMs`.
@Suite(.offPool, .serialized, .timeLimit(.minutes(5)))
struct RunWatchTests {
    @Test("a run query with the client's revision is answered when the run changes, and at its deadline when it cannot change")
    func heldUntilTheRunChanges() async throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let node = try DroverProcess(["up", "--workers", "2", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                      "--heartbeat-ms", "100", "--log-level", "info"], name: "up", in: cluster.dir)
        defer { node.stop() }
        try cluster.waitForStatus { $0.aliveWorkers >= 2 }
        let add = try cluster.run(["data", "add", "diamonds", PipelineRunTests.examples.appendingPathComponent("span-1.csv").path,
                                   "--data-dir", cluster.dataDir])
        #expect(add.status == 0, "\(add.stderr)")
        let start = try cluster.run(["run", PipelineRunTests.examples.appendingPathComponent("pipeline.yaml").path, "--json"])
        #expect(start.status == 0, "\(start.stderr)")
        let started = try JSONBody.decode(RunInfo.self, Array(start.stdout.utf8), what: "drover run --json")
        var seen = try #require(started.revision, "run.start answers with the run's revision")

        // The raw socket lives on this thread and is closed before the first suspension below.
        do {
            let context = try ZMQContext()
            defer { context.terminate() }
            let dealer = try ZMQSocket(context, type: .dealer, linger: .zero)
            defer { dealer.close() }
            try dealer.set([.receiveTimeout(.milliseconds(200))])
            try dealer.connect(Endpoint.clientEndpoint(forWorkerEndpoint: cluster.endpoint))

            // Followed to its end: each answer comes with a newer revision than the one asked about.
            var answers = 0
            while true {
                let info = try query(RunQuery(id: started.id, revision: seen, waitMs: 60_000), on: dealer, requestID: UInt64(answers + 1))
                let revision = try #require(info.revision)
                #expect(revision > seen, "answered before the run changed: revision \(revision) after \(seen)")
                seen = revision
                answers += 1
                if info.isFinished { break }
            }
            #expect(answers >= 2, "a five-step run changes more than once")

            // A finished run never changes: the answer waits for the deadline, then says the same.
            let asked = ContinuousClock.now
            let again = try query(RunQuery(id: started.id, revision: seen, waitMs: 400), on: dealer, requestID: 1_000)
            #expect(ContinuousClock.now - asked >= .milliseconds(400))
            #expect(again.revision == seen && again.isFinished)
            // Without a revision the query is answered at once, as before.
            let plain = try query(RunQuery(id: started.id), on: dealer, requestID: 1_001)
            #expect(plain.revision == seen)
        }

        // The HTTP side's link pipelines requests and matches answers by request id: six answers the
        // coordinator holds for 3 s end together (a link that waits for each answer before sending
        // the next request, as it did with two threads, takes 9 s), and a status query asked among
        // them is answered at once.
        let link = try CoordinatorLink(coordinator: cluster.endpoint)
        defer { link.stop() }
        let finished = seen, asked2 = ContinuousClock.now
        let (held, status) = try await withThrowingTaskGroup(of: (Duration, Bool).self) { group in
            for i in 0..<7 {
                group.addTask {
                    if i == 3 {
                        _ = try await link.query(StatusQuery())
                    } else {
                        let info = try await link.query(RunQuery(id: started.id, revision: finished, waitMs: 3_000))
                        #expect(info.revision == finished)
                    }
                    return (ContinuousClock.now - asked2, i == 3)
                }
            }
            var held: [Duration] = [], status: Duration?
            for try await (took, isStatus) in group {
                if isStatus { status = took } else { held.append(took) }
            }
            return (held, status)
        }
        #expect(held.count == 6 && held.allSatisfy { $0 >= .milliseconds(3_000) && $0 < .seconds(6) }, "held answers took \(held)")
        #expect(try #require(status) < .milliseconds(2_500), "the status query waited \(String(describing: status)) behind held ones")
    }

    /// Sends one `run` query and reads replies until its own (bounded at 90 s).
    func query(_ q: RunQuery, on dealer: ZMQSocket, requestID: UInt64) throws -> RunInfo {
        let body = try JSONBody.encode(q)
        guard try dealer.send([ClientRequest.query(requestID: requestID, name: RunQuery.name, body: body).encode()]) else {
            throw TestFailure("could not send the run query")
        }
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            guard let frames = try dealer.receive(), frames.count == 1 else { continue }
            guard case .reply(requestID, let code, let reply) = try ClientReply.decode(frames[0]) else { continue }
            guard code == 0 else { throw TestFailure("run query failed (\(code)): \(String(decoding: reply, as: UTF8.self))") }
            return try JSONBody.decode(RunInfo.self, reply, what: "run reply")
        }
        throw TestFailure("no answer to the run query within 90 s")
    }
}
