import Foundation
import Testing
@testable import DroverML

/// Data-parallel training over shards (`DistributedTrainer` + `ShardWorker`) gives the model
/// `ModelTrainer.train` gives on the whole file, up to the order of floating-point sums.
struct DistributedTrainingTests {
    /// A CSV with numbers, a text column, missing values in both, and labels of every task.
    static func csv(rows: Int) -> String {
        var lines = ["x,z,color,count,label,price,kind"]
        let colors = ["red", "green", "blue", "violet"]
        for i in 0..<rows {
            let x = sin(Double(i) * 0.37) * 3
            let z = Double((i * 7919) % 1000) / 100
            let color = i % 17 == 0 ? "" : colors[(i * 31) % 4]
            let xs = i % 23 == 0 ? "" : String(format: "%.4f", x)
            let label = x + z * 0.3 + (color == "red" ? 1.5 : 0) > 2 ? "yes" : "no"
            let price = String(format: "%.3f", 3 * x - z + (color == "blue" ? 4 : 0) + Double(i % 5) * 0.1)
            let kind = ["a", "b", "c"][(i + (x > 0 ? 1 : 0) + (z > 5 ? 1 : 0)) % 3]
            lines.append("\(xs),\(String(format: "%.2f", z)),\(color),\(i % 9),\(label),\(price),\(kind)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `count` shards of the CSV: the header, then contiguous row ranges of uneven sizes.
    static func shards(_ text: String, count: Int) throws -> [ShardWorker] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let header = lines.first!
        let rows = Array(lines.dropFirst())
        var bounds = [0]
        for i in 1..<count { bounds.append(rows.count * i * i / (count * count)) }  // uneven
        bounds.append(rows.count)
        return try (0..<count).map { s in
            let body = rows[bounds[s]..<bounds[s + 1]].joined(separator: "\n")
            return try ShardWorker(csv: Array((header + "\n" + body + "\n").utf8), source: "shard \(s)")
        }
    }

    static func single(_ text: String, _ o: TrainingOptions) throws -> ModelFile {
        let table = try CSVReader.read(data: Array(text.utf8), source: "all")
        return try ModelTrainer.train(table, source: "all", options: o)
    }

    static func options(_ kind: ModelKind, label: String) -> TrainingOptions {
        var o = TrainingOptions(kind: kind, label: label)
        o.holdoutModulo = 5
        o.trees = 12
        o.leaves = 7
        o.minDataInLeaf = 5
        return o
    }

    /// Predictions of both models on every row, raw enough to compare: values or probabilities.
    static func outputs(_ m: ModelFile, _ text: String) throws -> [Double] {
        let table = try CSVReader.read(data: Array(text.utf8), source: "all")
        let p = try m.predict(table, source: "all", threads: 1)
        return p.values.isEmpty ? p.probabilities : p.values
    }

    static func expectSame(_ a: ModelFile, _ b: ModelFile, _ text: String, tolerance: Double = 1e-7) throws {
        #expect(a.transform.steps.count == b.transform.steps.count)
        #expect(a.label == b.label)
        #expect(a.training.trainingRows == b.training.trainingRows)
        #expect(a.training.holdoutRows == b.training.holdoutRows)
        #expect(a.gbdt?.trees.count == b.gbdt?.trees.count)
        if let ta = a.gbdt?.trees, let tb = b.gbdt?.trees {
            #expect(zip(ta, tb).allSatisfy { $0.nodes.map(\.feature) == $1.nodes.map(\.feature) })
        }
        let (pa, pb) = (try outputs(a, text), try outputs(b, text))
        #expect(pa.count == pb.count)
        let worst = zip(pa, pb).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst <= tolerance, "largest relative difference \(worst)")
        for (name, value) in a.training.holdoutMetrics?.items ?? [] {
            let other = b.training.holdoutMetrics?.items.first { $0.0 == name }?.1
            #expect(other.map { abs($0 - value) <= 1e-6 * max(1, abs(value)) } == true, "\(name)")
        }
    }

    @Test(arguments: [("gbdt", "label"), ("gbdt", "price"), ("gbdt", "kind"),
                      ("logistic", "label"), ("logistic", "kind"), ("linear", "price"), ("ridge", "price")])
    func shardedModelEqualsSingleProcess(kind: String, label: String) throws {
        let text = Self.csv(rows: 1500)
        let o = Self.options(ModelKind(rawValue: kind)!, label: label)
        let reference = try Self.single(text, o)
        for count in [1, 3] {
            let transport = LocalShardTransport(workers: try Self.shards(text, count: count))
            let model = try DistributedTrainer(options: o, source: "shards").train(transport)
            try Self.expectSame(model, reference, text)
        }
    }

    @Test func baggingAndFeatureFractionFollowGlobalRows() throws {
        let text = Self.csv(rows: 1200)
        var o = Self.options(.gbdt, label: "price")
        o.sampling.baggingFraction = 0.7
        o.sampling.baggingFrequency = 1
        o.sampling.featureFraction = 0.6
        o.seed = 9
        let reference = try Self.single(text, o)
        let model = try DistributedTrainer(options: o, source: "shards")
            .train(LocalShardTransport(workers: try Self.shards(text, count: 4)))
        try Self.expectSame(model, reference, text)
    }

    /// A worker lost mid-training: a fresh one reads the same shard and is brought up to date by
    /// the next request (it asks for the finished trees); the model is unchanged and only that
    /// shard was read again.
    @Test func replacedWorkerGivesTheSameModel() throws {
        let text = Self.csv(rows: 1200)
        let o = Self.options(.gbdt, label: "kind")
        let reference = try Self.single(text, o)
        let transport = ReplacingTransport(workers: try Self.shards(text, count: 3), text: text, replaceAt: 40, shard: 1)
        let model = try DistributedTrainer(options: o, source: "shards").train(transport)
        #expect(transport.replaced)
        try Self.expectSame(model, reference, text)
    }

    @Test func warmStartContinuesFromTheOldTrees() throws {
        let text = Self.csv(rows: 1000)
        var o = Self.options(.gbdt, label: "price")
        let first = try Self.single(text, o)
        o.warmStart = first
        o.trees = 5
        let reference = try Self.single(text, o)
        let model = try DistributedTrainer(options: o, source: "shards")
            .train(LocalShardTransport(workers: try Self.shards(text, count: 2)))
        #expect(model.gbdt!.trees.count == first.gbdt!.trees.count + 5)
        #expect(Array(model.gbdt!.trees.prefix(first.gbdt!.trees.count)) == first.gbdt!.trees)
        try Self.expectSame(model, reference, text)
    }

    /// The exchanges a tree takes: the shards split the leaves likely to be split next together
    /// with the next one, so a 31-leaf tree takes far fewer exchanges than its 30 splits, and the
    /// model is still the single-process one.
    @Test func treesTakeFewerExchangesThanSplits() throws {
        let text = Self.csv(rows: 1500)
        var o = Self.options(.gbdt, label: "label")
        o.leaves = 31
        o.trees = 4
        let reference = try Self.single(text, o)
        let transport = GrowCounter(LocalShardTransport(workers: try Self.shards(text, count: 2)))
        let model = try DistributedTrainer(options: o, source: "shards").train(transport)
        try Self.expectSame(model, reference, text)
        let trees = model.gbdt!.trees
        let splits = trees.map { $0.nodes.filter { $0.feature >= 0 }.count }.reduce(0, +)
        let depths = trees.map { Self.depth($0) }
        #expect(splits > 4 * 20, "the trees are large enough to tell: \(splits) splits")
        // A child's split is known only after its parent's: a tree takes at least 1 + its depth.
        let least = trees.count + depths.reduce(0, +)
        #expect(transport.grows >= least && transport.grows * 2 <= splits,
                "\(transport.grows) grow exchanges for \(splits) splits, depths \(depths)")
        // Speculation is bounded: no exchange asks for more histograms than the limit, and some use it.
        #expect(transport.widest == DistributedBoosting.splitsPerExchange, "histograms per exchange: at most \(transport.widest)")
    }

    static func depth(_ tree: RegressionTree, _ node: Int = 0) -> Int {
        let n = tree.nodes[node]
        return n.feature < 0 ? 0 : 1 + max(depth(tree, n.left), depth(tree, n.right))
    }

    @Test func earlyStoppingIsRefusedWithAHint() throws {
        var o = Self.options(.gbdt, label: "price")
        o.earlyStoppingRounds = 3
        let transport = LocalShardTransport(workers: try Self.shards(Self.csv(rows: 100), count: 2))
        #expect(throws: ModelError.self) { try DistributedTrainer(options: o, source: "shards").train(transport) }
    }
}

/// Counts the exchanges that grow trees and the most histograms one asks for.
final class GrowCounter: ShardTransport {
    let inner: ShardTransport
    var grows = 0
    var widest = 0

    init(_ inner: ShardTransport) { self.inner = inner }

    var shardCount: Int { inner.shardCount }

    func exchange(_ requests: [(shard: Int, request: ShardRequest)]) throws -> [ShardReply] {
        if case .grow(let g)? = requests.first?.request {
            grows += 1
            widest = max(widest, g.build.count)
        }
        return try inner.exchange(requests)
    }
}

/// Replaces one shard's worker by a fresh one (same bytes) after `replaceAt` exchanges.
final class ReplacingTransport: ShardTransport {
    let inner: LocalShardTransport
    let text: String
    let replaceAt: Int
    let shard: Int
    var exchanges = 0
    var replaced = false

    init(workers: [ShardWorker], text: String, replaceAt: Int, shard: Int) {
        inner = LocalShardTransport(workers: workers)
        (self.text, self.replaceAt, self.shard) = (text, replaceAt, shard)
    }

    var shardCount: Int { inner.shardCount }

    func exchange(_ requests: [(shard: Int, request: ShardRequest)]) throws -> [ShardReply] {
        exchanges += 1
        if exchanges == replaceAt {
            // The new worker has only its bytes; the trainer sets it up again when it says so.
            inner.workers[shard] = try DistributedTrainingTests.shards(text, count: inner.shardCount)[shard]
            replaced = true
        }
        return try inner.exchange(requests)
    }
}

/// The training socket's frames round-trip; histograms travel as raw doubles.
struct TrainingFrameTests {
    @Test func framesRoundTrip() throws {
        var h = HistogramPartial(featureCount: 2, binStride: 3)
        h.rows = 7
        h.values = (0..<12).map { Double($0) * 0.1 - 0.35 }
        let frames: [TrainingFrame] = [
            .hello(session: "r/train#1", shard: 1, job: "job 4 attempt 1"),
            .reply(seq: 9, .histograms([h, h])),
            .reply(seq: 10, .needTrees(have: 3)),
            .reply(seq: 12, .sample([[1.5, -.infinity, 0], [], [3e-300]])),
            .request(seq: 11, .gram),
            .finish(outputs: ["model": "sha256:x:1"], metrics: ["rmse": 1.5]),
            .abort("no rows"),
        ]
        for f in frames { #expect(try TrainingFrame.decode(f.encoded()) == f) }
        let binary = try TrainingFrame.reply(seq: 9, .histograms([h])).encoded()
        #expect(binary.count == 4 + 8 + 8 + 24 + 12 * 8, "header, seq, count, (stride, rows, n), the doubles")
        #expect(throws: DistributedTrainingError.self) { try TrainingFrame.decode(Array(binary.prefix(40))) }
        let sample = try TrainingFrame.reply(seq: 12, .sample([[1, 2], [3]])).encoded()
        #expect(sample.count == 4 + 8 + 8 + (8 + 16) + (8 + 8), "header, seq, count, (n, the doubles) per column")
        #expect(throws: DistributedTrainingError.self) { try TrainingFrame.decode(Array(sample.dropLast())) }
        #expect(throws: DistributedTrainingError.self) { try TrainingFrame.decode([0x44, 0x52, 1, 1]) }
    }

    /// GBDT's per-exchange request travels as a GROW frame (fixed-width integers) to a shard that
    /// said in HELLO that it reads them, and as JSON otherwise; both decode to the same request,
    /// and a cut frame is an error.
    @Test func growRequestsTravelBinaryToShardsThatSaySo() throws {
        var o = DistributedTrainingTests.options(.gbdt, label: "label")
        o.trees = 2
        let trees = try DistributedTrainingTests.single(DistributedTrainingTests.csv(rows: 300), o).gbdt!.trees
        var bins = BinSet()
        bins.words = (0b1011, 0, 1 << 63, 7)
        let splits = [SplitRecord(node: 0, left: 1, right: 2, feature: 3, bins: bins),
                      SplitRecord(node: 2, left: 3, right: 4, feature: 0, bins: BinSet())]
        let requests = [
            GrowRequest(round: 1, roundStart: 1, treesFrom: 0, trees: trees, splits: splits, build: [4, 1],
                        leafHandles: [-1, 3, -1, 4, 1]),
            GrowRequest(round: 7, roundStart: 7, treesFrom: 7, trees: [], splits: [], build: [0], leafHandles: nil),
        ]
        // A categorical node (its words), a missing-left node, thresholds that JSON spells oddly.
        let handMade = RegressionTree(nodes: [
            RegressionTree.Node(feature: 2, threshold: 0, left: 1, right: 2, value: 0, categoryStart: 1, categoryCount: 1),
            RegressionTree.Node(feature: 0, threshold: -0.0, left: 3, right: 4, value: 0, missingLeft: true),
            .leaf(-1e-310), .leaf(.greatestFiniteMagnitude), .leaf(0.1 + 0.2),
        ], categoryWords: [7, 0xFFFF_FFFF])
        for g in requests + [GrowRequest(round: 2, roundStart: 2, treesFrom: 1, trees: [handMade], splits: [], build: [0],
                                          leafHandles: nil)] {
            let frame = TrainingFrame.request(seq: 5, .grow(g))
            let json = try frame.encoded()
            #expect(json[3] == 0x41)
            #expect(try TrainingFrame.decode(json) == frame)
            for (command, var binary) in [(UInt8(0x44), try frame.encoded(binaryGrow: true)),
                                          (0x45, try frame.encoded(binaryGrow: true, binaryTrees: true))] {
                #expect(binary[3] == command)
                #expect(try TrainingFrame.decode(binary) == frame)
                #expect(binary.count < json.count, "binary \(binary.count) bytes, JSON \(json.count)")
                TrainingFrame.setRequestSeq(6, in: &binary)
                #expect(try TrainingFrame.decode(binary) == .request(seq: 6, .grow(g)))
                for cut in stride(from: 4, to: binary.count, by: 3) {
                    #expect(throws: DistributedTrainingError.self) { try TrainingFrame.decode(Array(binary.prefix(cut))) }
                }
                // Any byte changed (counts, lengths, integers past Int.max): an error or a request, never a crash,
                // and never a tree whose walk could loop or read past its category words.
                var rng = SplitMix64(seed: 25)
                for _ in 0..<2000 {
                    var bad = binary
                    bad[4 + Int(rng.next() % UInt64(bad.count - 4))] = UInt8(truncatingIfNeeded: rng.next())
                    guard command == 0x45, case .request(_, .grow(let decoded))? = try? TrainingFrame.decode(bad) else { continue }
                    for tree in decoded.trees {
                        for (i, n) in tree.nodes.enumerated() where n.feature >= 0 {
                            #expect(n.left > i && n.right > i && max(n.left, n.right) < tree.nodes.count)
                            #expect(n.categoryStart + n.categoryCount <= tree.categoryWords.count)
                        }
                    }
                }
            }
        }
        // 0x45 refuses a tree whose walk would not end: a split node whose child is itself or earlier.
        var loop = handMade
        loop.nodes[1].right = 0
        let looping = try TrainingFrame.request(seq: 1, .grow(GrowRequest(round: 0, roundStart: 0, treesFrom: 0, trees: [loop],
                                                                          splits: [], build: [0], leafHandles: nil)))
            .encoded(binaryTrees: true)
        #expect(throws: DistributedTrainingError.self) { try TrainingFrame.decode(looping) }
        // Other requests stay JSON; HELLO carries the capabilities, and an older worker's HELLO lacks them.
        #expect(try TrainingFrame.request(seq: 1, .gram).encoded(binaryGrow: true, binaryTrees: true)[3] == 0x41)
        for hello in [TrainingFrame.hello(session: "s", shard: 0, job: "j", binaryGrow: true),
                      .hello(session: "s", shard: 0, job: "j", binaryGrow: true, binaryTrees: true)] {
            #expect(try TrainingFrame.decode(hello.encoded()) == hello)
        }
        let old = TrainingFrame.magic + [0x01] + Array(#"{"session":"s","shard":0,"job":"j"}"#.utf8)
        #expect(try TrainingFrame.decode(old) == .hello(session: "s", shard: 0, job: "j", binaryGrow: false, binaryTrees: false))
    }

    /// A coordinator from before REPLY 0x04 sends a sample request without `rawReply` and can
    /// decode only JSON replies (command 0x02): a worker that answered it in 0x04 stalled the step.
    @Test func aSampleGoesAsJSONToACoordinatorThatDidNotAskForRawDoubles() throws {
        let columns: [[Double]] = [[1.5, -2, 0], [3e-300]]
        let oldRequest = try JSONDecoder().decode(ShardRequest.self, from: Data(#"{"sample":{"_0":{"trainingOffset":0,"stride":5}}}"#.utf8))
        guard case .sample(let asked) = oldRequest else { Issue.record("not a sample request"); return }
        #expect(asked.rawReply == nil)
        let toOld = try TrainingFrame.reply(seq: 4, .sample(columns), to: oldRequest)
        #expect(toOld[3] == 0x02, "JSON reply frame")
        #expect(try TrainingFrame.decode(toOld) == .reply(seq: 4, .sample(columns)))

        let newRequest = ShardRequest.sample(SampleRequest(trainingOffset: 0, stride: 5))
        let toNew = try TrainingFrame.reply(seq: 4, .sample(columns), to: newRequest)
        #expect(toNew[3] == 0x04, "raw doubles")
        #expect(try TrainingFrame.decode(toNew) == .reply(seq: 4, .sample(columns)))
        // Other replies are unchanged by the request they answer.
        #expect(try TrainingFrame.reply(seq: 5, .binned, to: oldRequest) == TrainingFrame.reply(seq: 5, .binned).encoded())
    }
}
