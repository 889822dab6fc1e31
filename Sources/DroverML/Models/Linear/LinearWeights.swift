/// Coefficients of a linear model with `outputs` outputs (1 for regression and binary
/// logistic regression, K for multinomial): `weights` is d×outputs column-major.
public struct LinearWeights: Codable, Sendable, Equatable {
    public var featureCount: Int
    public var outputs: Int
    public var weights: [Double]
    public var intercepts: [Double]

    public init(featureCount: Int, outputs: Int, weights: [Double], intercepts: [Double]) {
        self.featureCount = featureCount
        self.outputs = outputs
        self.weights = weights
        self.intercepts = intercepts
    }

    public static func zeros(featureCount: Int, outputs: Int) -> LinearWeights {
        LinearWeights(featureCount: featureCount, outputs: outputs,
                      weights: [Double](repeating: 0, count: featureCount * outputs),
                      intercepts: [Double](repeating: 0, count: outputs))
    }

    /// Flattened parameters (weights then intercepts), the optimiser's view.
    var flat: [Double] { weights + intercepts }

    init(flat: [Double], featureCount: Int, outputs: Int) {
        self.init(featureCount: featureCount, outputs: outputs,
                  weights: Array(flat[0..<(featureCount * outputs)]),
                  intercepts: Array(flat[(featureCount * outputs)...]))
    }

    /// Raw scores X·W + b for rows `rows` of `x`: an m×outputs column-major block.
    public func scores(_ x: FeatureMatrix, rows: Range<Int>) -> [Double] {
        let m = rows.count, d = featureCount, k = outputs
        var z = [Double](repeating: 0, count: m * k)
        guard m > 0 else { return z }
        x.values.withUnsafeBufferPointer { xv in
            weights.withUnsafeBufferPointer { w in
                z.withUnsafeMutableBufferPointer { zp in
                    let a = xv.baseAddress! + rows.lowerBound
                    if d > 0 {
                        if k == 1 {
                            BLAS.gemv(a, rows: m, cols: d, ld: x.rowCount, w.baseAddress!, into: zp.baseAddress!)
                        } else {
                            BLAS.gemm(a, rows: m, inner: d, lda: x.rowCount, w.baseAddress!, cols: k, into: zp.baseAddress!)
                        }
                    }
                    for c in 0..<k {
                        let b = intercepts[c]
                        for i in 0..<m { zp[c * m + i] += b }
                    }
                }
            }
        }
        return z
    }
}
