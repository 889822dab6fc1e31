/// Finished trees inside a GROW frame of command 0x45 (docs/protocol.md): fixed-width fields
/// instead of JSON. A tree of 31 leaves is 61 nodes; decoding the GROW request, JSON trees
/// included, averaged 0.07 ms per exchange on a shard (session 26), most of it, by estimate, on
/// the first exchange of each tree (about 11 per tree), the one that carries the finished tree.
extension RegressionTree {
    /// Bytes per node: feature, threshold, left, right, value, missingLeft, categoryStart, categoryCount.
    static let binaryNodeBytes = 64

    func appendBinary(to out: inout [UInt8]) {
        ByteWriter.append(UInt64(nodes.count), to: &out)
        for n in nodes {
            ByteWriter.append(UInt64(bitPattern: Int64(n.feature)), to: &out)
            ByteWriter.append(n.threshold.bitPattern, to: &out)
            ByteWriter.append(UInt64(bitPattern: Int64(n.left)), to: &out)
            ByteWriter.append(UInt64(bitPattern: Int64(n.right)), to: &out)
            ByteWriter.append(n.value.bitPattern, to: &out)
            ByteWriter.append(n.missingLeft ? 1 : 0, to: &out)
            ByteWriter.append(UInt64(n.categoryStart), to: &out)
            ByteWriter.append(UInt64(n.categoryCount), to: &out)
        }
        ByteWriter.append(categoryWords.map { UInt64($0) }, to: &out)
    }

    /// Reads one tree and checks what a shard's predictions rely on: a split node's children come
    /// after it (so a walk ends) and its category words exist; anything else is an error.
    init(binary r: inout ByteReader) throws {
        var nodes: [Node] = []
        let count = try r.count(of: Self.binaryNodeBytes)
        nodes.reserveCapacity(count)
        for _ in 0..<count {
            let feature = Int(Int64(bitPattern: try r.u64()))
            let threshold = Double(bitPattern: try r.u64())
            let left = Int(Int64(bitPattern: try r.u64())), right = Int(Int64(bitPattern: try r.u64()))
            let value = Double(bitPattern: try r.u64())
            let missing = try r.u64()
            let (start, categories) = (try r.int(), try r.int())
            guard missing <= 1 else { throw DistributedTrainingError("a tree node's missing-value direction is not 0 or 1") }
            nodes.append(Node(feature: feature, threshold: threshold, left: left, right: right, value: value,
                              missingLeft: missing == 1, categoryStart: start, categoryCount: categories))
        }
        let words = try (0..<(try r.count(of: 8))).map { _ in
            let w = try r.u64()
            guard w <= UInt64(UInt32.max) else { throw DistributedTrainingError("a tree's category word exceeds 32 bits") }
            return UInt32(w)
        }
        for (i, n) in nodes.enumerated() where n.feature >= 0 {
            guard n.left > i, n.left < count, n.right > i, n.right < count else {
                throw DistributedTrainingError("tree node \(i) has children outside \(i + 1)..<\(count)")
            }
            guard n.categoryCount <= words.count, n.categoryStart <= words.count - n.categoryCount else {
                throw DistributedTrainingError("tree node \(i) names category words past the \(words.count) sent")
            }
        }
        self.init(nodes: nodes, categoryWords: words)
    }
}
