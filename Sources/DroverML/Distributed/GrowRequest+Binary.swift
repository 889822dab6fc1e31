import Foundation

/// The GROW request frame's body (0x44, docs/protocol.md): the request GBDT sends every exchange,
/// in fixed-width little-endian integers instead of JSON, which cost the coordinator 0.17–0.25 ms
/// and each shard 0.25–0.33 ms of CPU per exchange (thread CPU timers, session 25). Finished
/// trees, sent once per tree, are JSON inside 0x44 and fixed-width fields inside 0x45
/// (`binaryTrees`, for shards whose HELLO says they read it); the rest of the two is the same.
extension GrowRequest {
    /// `UInt64.max` as the count of `leafHandles`: absent.
    static let absent = UInt64.max

    func appendBinary(to out: inout [UInt8], binaryTrees: Bool) throws {
        for v in [round, roundStart, treesFrom] { ByteWriter.append(UInt64(v), to: &out) }
        if binaryTrees {
            ByteWriter.append(UInt64(trees.count), to: &out)
            for t in trees { t.appendBinary(to: &out) }
        } else {
            let json = trees.isEmpty ? [] : Array(try JSONEncoder().encode(trees))
            ByteWriter.append(UInt64(json.count), to: &out)
            out += json
        }
        ByteWriter.append(UInt64(splits.count), to: &out)
        for s in splits {
            for v in [s.node, s.left, s.right, s.feature] { ByteWriter.append(UInt64(v), to: &out) }
            for w in s.leftBins { ByteWriter.append(w, to: &out) }
        }
        ByteWriter.append(build.map { UInt64($0) }, to: &out)
        if let leafHandles {
            ByteWriter.append(leafHandles.map { UInt64(bitPattern: Int64($0)) }, to: &out)
        } else {
            ByteWriter.append(Self.absent, to: &out)
        }
    }

    init(binary r: inout ByteReader, binaryTrees: Bool) throws {
        let (round, roundStart, treesFrom) = (try r.int(), try r.int(), try r.int())
        var trees: [RegressionTree] = []
        if binaryTrees {
            // Each tree takes at least its two counts.
            for _ in 0..<(try r.count(of: 16)) { trees.append(try RegressionTree(binary: &r)) }
        } else {
            let json = try r.bytes(count: try r.count(of: 1))
            trees = json.isEmpty ? [] : try JSONDecoder().decode([RegressionTree].self, from: Data(json))
        }
        var splits: [SplitRecord] = []
        for _ in 0..<(try r.count(of: 64)) {
            let (node, left, right, feature) = (try r.int(), try r.int(), try r.int(), try r.int())
            var bins = BinSet()
            bins.words = (try r.u64(), try r.u64(), try r.u64(), try r.u64())
            splits.append(SplitRecord(node: node, left: left, right: right, feature: feature, bins: bins))
        }
        let build = try (0..<(try r.count(of: 8))).map { _ in try r.int() }
        var leafHandles: [Int]?
        if try r.peekU64() == Self.absent {
            _ = try r.u64()
        } else {
            leafHandles = try (0..<(try r.count(of: 8))).map { _ in Int(Int64(bitPattern: try r.u64())) }
        }
        self.init(round: round, roundStart: roundStart, treesFrom: treesFrom, trees: trees, splits: splits,
                  build: build, leafHandles: leafHandles)
    }
}
