/// Data-parallel train steps (`distributed: { shards: N }`): one `train-shard` job per row
/// shard. Each reads its pieces of the step's inputs by digest and byte range, serves the
/// coordinator's training rounds on them, and reports the model the coordinator trained
/// (docs/pipelines.md, "Data-parallel training").
extension PipelinePlanner {
    func distributedJobs(_ name: String, shards n: Int, params: [String: String]) -> [PlannedJob] {
        let pieces = Self.pieces(dataInputs(name), shards: n)
        return pieces.enumerated().map { i, list in
            var p = params
            p["pieces"] = list.joined(separator: ",")
            p["shard"] = String(i)
            p["shards"] = String(pieces.count)
            p["holdout_modulo"] = p["holdout_modulo"] ?? Self.defaultHoldoutModulo
            return PlannedJob(key: "\(inputs.runID)/\(name)/\(i)", step: name, shard: i, kind: "train-shard", params: p)
        }
    }

    /// Splits artifacts (`sha256:<hex>:<size>`, in row order) into `n` shards of pieces
    /// `REF@START-END`: whole artifacts when there are at least `n`, else byte ranges of each.
    /// Shard order follows row order, so shard i's rows come before shard i+1's.
    static func pieces(_ inputs: [String], shards n: Int) -> [[String]] {
        let k = inputs.count
        guard k > 0, n > 0 else { return [] }
        let size = { (ref: String) in Int64(ref.split(separator: ":").last ?? "") ?? 0 }
        if k >= n {
            return (0..<n).map { i in inputs[(i * k / n)..<((i + 1) * k / n)].map { "\($0)@0-\(size($0))" } }
        }
        var out: [[String]] = []
        for (j, ref) in inputs.enumerated() {
            let parts = n / k + (j < n % k ? 1 : 0)
            for q in 0..<parts { out.append(["\(ref)@\(byteRange(shard: q, of: parts, size: size(ref)))"]) }
        }
        return out
    }
}
