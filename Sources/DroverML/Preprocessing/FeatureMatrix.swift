/// Model-ready features: `rowCount` × `featureCount` doubles, column-major (feature j's values
/// are contiguous), so a row-range shard is a pointer offset with leading dimension `rowCount`.
public struct FeatureMatrix: Sendable, Equatable {
    public var rowCount: Int
    public var featureCount: Int
    public var values: [Double]

    public init(rowCount: Int, featureCount: Int, values: [Double]) {
        precondition(values.count == rowCount * featureCount, "FeatureMatrix: values/shape mismatch")
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.values = values
    }

    @inlinable public subscript(row: Int, feature: Int) -> Double { values[feature * rowCount + row] }

    /// The rows of `rows` as a new matrix (used for holdout splits).
    public func selecting(rows: [Int]) -> FeatureMatrix {
        var out = [Double](repeating: 0, count: rows.count * featureCount)
        for j in 0..<featureCount {
            let base = j * rowCount, outBase = j * rows.count
            for (k, r) in rows.enumerated() { out[outBase + k] = values[base + r] }
        }
        return FeatureMatrix(rowCount: rows.count, featureCount: featureCount, values: out)
    }
}
