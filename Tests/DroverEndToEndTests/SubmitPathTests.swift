import DroverCore
import DroverStore
import Foundation
import Testing

/// `drover submit` sends batches with several in flight (the path `drover bench dispatch` uses).
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct SubmitPathTests {
    func summary(_ r: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout) stderr: \(r.stderr)")
    }

    @Test("a submission many times the queue bound is fed in as the queue drains (BUSY batches are re-sent)")
    func largerThanTheQueueBound() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator(extra: ["--max-queued", "500"])
        let worker = try cluster.worker("w1", slots: 2)
        defer { worker.stop(); coordinator.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 1 }
        let r = try cluster.run(["submit", "--kind", "noop", "--count", "20000", "--wait", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try summary(r)
        #expect(s["submitted"] as? Int == 20_000)
        #expect((s["jobs"] as? [String: Any])?["succeeded"] as? Int == 20_000)
        #expect(s["firstID"] as? Int == 1 && s["lastID"] as? Int == 20_000)
        coordinator.stop()
        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.submitted == 20_000 && audit.count(.succeeded) == 20_000 && audit.ok)
    }

    @Test("a worker's default prefetch grows for no-ops (credit far beyond slots + slots); a given --prefetch stays fixed")
    func adaptivePrefetchGrowsForNoops() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let adaptive = try cluster.worker("adaptive", slots: 1)
        let fixed = try cluster.worker("fixed", slots: 1, extra: ["--prefetch", "1"])
        defer { adaptive.stop(); fixed.stop(); coordinator.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 2 }
        let r = try cluster.run(["submit", "--kind", "noop", "--count", "5000", "--wait", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let listing = try cluster.run(["workers", "--json"])
        let workers = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]], "\(listing.stdout)")
        let credit = { (name: String) in workers.first { $0["name"] as? String == name }?["credit"] as? Int ?? -1 }
        // Every job ended and every credit came back: what is left is each worker's capacity.
        #expect(credit("fixed") == 2)
        #expect(credit("adaptive") > 100, "\(listing.stdout)") // 1 slot + up to 4,096 prefetched
    }

    @Test("idempotency keys across batches: a resubmission returns the same ids and waits for nothing new")
    func idempotentResubmission() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1")
        defer { worker.stop(); coordinator.stop() }
        let args = ["submit", "--kind", "echo", "--param", "x=2", "--count", "5000", "--idempotency-key", "nightly", "--wait", "--json"]
        let first = try summary(try cluster.run(args))
        let again = try cluster.run(args)
        #expect(again.status == 0)
        let second = try summary(again)
        #expect(first["firstID"] as? Int == second["firstID"] as? Int && first["lastID"] as? Int == second["lastID"] as? Int)
        #expect((second["jobs"] as? [String: Any])?["succeeded"] as? Int == 5_000)
        let status = try cluster.run(["status", "--json"])
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(counts.jobs("succeeded") == 5_000)
    }
}
