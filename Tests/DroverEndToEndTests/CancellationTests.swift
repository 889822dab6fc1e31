import Foundation
import Testing

@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct CancellationTests {
    /// A deterministic binary-classification CSV big enough that training takes a moment.
    static func writeData(to path: String, rows: Int = 40_000) throws {
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var csv = "a,b,c,d,label\n"
        csv.reserveCapacity(rows * 80)
        for _ in 0..<rows {
            let a = next(), b = next(), c = next(), d = next()
            csv += "\(a),\(b),\(c),\(d),\(a * b + 0.3 * c + 0.2 * next() > 0.5 ? 1 : 0)\n"
        }
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("a train job cancelled mid-run never writes its model, even while a later job holds the slot for longer than the training takes")
    func cancelledTrainWritesNoModel() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let data = cluster.dir.appendingPathComponent("data.csv").path
        try Self.writeData(to: data)
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1", slots: 1, extra: ["--prefetch", "0"])
        defer { worker.stop(); coordinator.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 1 }
        func train(_ out: String) -> [String] {
            ["submit", "--kind", "train", "--param", "data=\(data)", "--param", "label=label", "--param", "trees=400",
             "--param", "out=\(cluster.dir.appendingPathComponent(out).path)"]
        }

        // How long this training takes here, uncancelled.
        #expect(try cluster.run(train("reference.json") + ["--wait"], timeout: .seconds(120)).status == 0)
        let reference = try cluster.run(["status", "1", "--json"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(reference.stdout.utf8)) as? [String: Any])
        let seconds = try #require((info["metrics"] as? [String: Any])?["seconds"] as? Double)

        // The same training, cancelled once it runs.
        #expect(try cluster.run(train("cancelled.json")).status == 0)
        try cluster.waitForStatus { $0.jobs("running") == 1 }
        #expect(try cluster.run(["cancel", "2"]).status == 0)

        // A job in the same single slot that outlasts the whole training twice over: had the
        // cancelled training kept running, it would have written its model by the end.
        let ms = Int(seconds * 2_000) + 1_000
        #expect(try cluster.run(["submit", "--kind", "sleep", "--param", "ms=\(ms)", "--wait"], timeout: .seconds(150)).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: cluster.dir.path)
        #expect(files.contains("reference.json"))
        #expect(!files.contains("cancelled.json"), "the cancelled attempt wrote its model: \(files)")
        #expect(!files.contains { $0.hasSuffix(".tmp") }, "a temporary model file was left behind: \(files)")
    }
}
