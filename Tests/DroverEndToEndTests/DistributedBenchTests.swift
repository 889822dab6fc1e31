import Foundation
import Testing

/// `drover bench distributed` through the real binary, on a small CSV: both sides train the same
/// model, the per-exchange costs add up, and the paper extrapolation is printed.
@Suite(.offPool, .serialized, .timeLimit(.minutes(4)))
struct DistributedBenchTests {
    @Test("bench distributed: 2 shards over loopback give the one-process model; costs and the 16/64-worker extrapolation are reported")
    func benchReportsCostsAndSameModel() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        var text = "a,b,c,label\n"
        for i in 0..<3000 {
            let a = Double((i * 37) % 101) / 10, b = Double((i * 53) % 97) / 10, c = Double(i % 7)
            text += "\(a),\(b),\(c),\(a - b + c / 3 > 1 ? 1 : 0)\n"
        }
        let csv = try MLCommandTests.write(text, "d.csv", in: cluster.dir)
        let r = try drover(["bench", "distributed", "--csv", csv, "--models", "gbdt,logistic", "--trees", "8",
                            "--scale-to", "16,64", "--shard-spin-us", "500", "--json"], timeout: .seconds(200))
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect((report["loadAverage"] as? [Double])?.count == 3)
        #expect(report["shardSpinUs"] as? Int == 500, "the shards' spin is the one asked for: \(report)")
        let rows = report["rows"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["model"] as? String } == ["gbdt", "logistic"], "\(rows)")
        for row in rows {
            let name = row["model"] as? String ?? "?"
            let exchanges = row["exchanges"] as? Int ?? 0
            let rounds = row["roundExchanges"] as? Int ?? 0
            #expect(rounds > 0 && exchanges > rounds, "\(name): set-up exchanges plus learner rounds: \(row)")
            let wall = row["msPerExchange"] as? Double ?? -1
            let busiest = row["busiestComputeMsPerExchange"] as? Double ?? -1
            let overhead = row["overheadMsPerExchange"] as? Double ?? -1
            #expect(wall > 0 && busiest > 0 && overhead >= 0, "\(name): \(row)")
            let expected: Double = max(0, wall - busiest)
            #expect(abs(overhead - expected) <= 1e-6, "\(name): overhead = wall − busiest compute: \(row)")
            #expect(((row["reply"] as? [String: Any])?["bytes"] as? Int ?? 0) > 0, "\(name): a merge-round reply was probed")
            // Per learner round: transport + the coordinator's work between rounds, and the rounds' median and p90.
            let perRound = row["overheadMsPerRound"] as? Double ?? -1
            let parts = (row["coordinatorMsPerRound"] as? Double ?? -1, row["transportMsPerRound"] as? Double ?? -1)
            let (median, p90) = (row["overheadMsPerRoundMedian"] as? Double ?? -1, row["overheadMsPerRoundP90"] as? Double ?? -1)
            #expect(parts.0 >= 0 && parts.1 >= 0 && abs(perRound - parts.0 - parts.1) <= 1e-6, "\(name): \(row)")
            #expect(median > 0 && median <= p90, "\(name): \(row)")
            // GBDT also reports its splits (8 trees of up to 31 leaves) and the overhead per split.
            if name == "gbdt" {
                let splits = row["splits"] as? Int ?? 0
                let perSplit = row["overheadMsPerSplit"] as? Double ?? -1
                #expect(splits > 8 && splits <= 8 * 30 && splits >= rounds, "\(name): \(row)")
                #expect(abs(perSplit - overhead * Double(exchanges) / Double(max(splits, 1))) <= 1e-6, "\(name): \(row)")
            } else {
                #expect(row["splits"] == nil, "\(name): \(row)")
            }
            let scale = row["extrapolation"] as? [[String: Any]] ?? []
            #expect(scale.compactMap { $0["workers"] as? Int } == [16, 64], "\(name): \(scale)")
            #expect(scale.allSatisfy { ($0["seconds"] as? Double ?? 0) > 0 }, "\(name): \(scale)")
            // Same rows, same model: the holdout metrics agree.
            let single = (row["singleMetrics"] as? [String: Any])?["classification"] as? [String: Any] ?? [:]
            let distributed = (row["distributedMetrics"] as? [String: Any])?["classification"] as? [String: Any] ?? [:]
            let one: Double = try #require(single["accuracy"] as? Double, "\(name): \(row)")
            let two: Double = try #require(distributed["accuracy"] as? Double, "\(name): \(row)")
            #expect(Swift.abs(one - two) < 1e-9, "\(name): one process \(one), distributed \(two)")
        }
    }

    @Test("bench distributed refuses a bad --scale-to, --leaves or --shard-spin-us with exit 2")
    func badScale() throws {
        let r = try drover(["bench", "distributed", "--csv", "/nonexistent.csv", "--scale-to", "16,many"])
        #expect(r.status == 2, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("--scale-to"), "\(r.stderr)")
        let leaves = try drover(["bench", "distributed", "--csv", "/nonexistent.csv", "--leaves", "1"])
        #expect(leaves.status == 2, "\(leaves.stdout) \(leaves.stderr)")
        #expect(leaves.stderr.contains("--leaves is '1'"), "\(leaves.stderr)")
        let spin = try drover(["bench", "distributed", "--csv", "/nonexistent.csv", "--shard-spin-us=-5"])
        #expect(spin.status == 2, "\(spin.stdout) \(spin.stderr)")
        #expect(spin.stderr.contains("--shard-spin-us is '-5'"), "\(spin.stderr)")
    }
}
