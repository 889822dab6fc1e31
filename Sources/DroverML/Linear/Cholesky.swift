/// Solves small symmetric positive-definite systems (the d×d normal equations) by Cholesky.
public enum Cholesky {
    /// Solves A·x = b for a symmetric positive-definite n×n column-major A.
    /// Returns nil when A is not positive definite (a pivot ≤ 0).
    public static func solve(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = a[j + j * n]
            for k in 0..<j { d -= l[j + k * n] * l[j + k * n] }
            guard d > 0, d.isFinite else { return nil }
            let ljj = d.squareRoot()
            l[j + j * n] = ljj
            for i in (j + 1)..<max(j + 1, n) {
                var s = a[i + j * n]
                for k in 0..<j { s -= l[i + k * n] * l[j + k * n] }
                l[i + j * n] = s / ljj
            }
        }
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i + k * n] * y[k] }
            y[i] = s / l[i + i * n]
        }
        var x = y
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for k in (i + 1)..<max(i + 1, n) { s -= l[k + i * n] * x[k] }
            x[i] = s / l[i + i * n]
        }
        return x
    }
}
