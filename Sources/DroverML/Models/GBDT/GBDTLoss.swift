import Foundation

/// Starting scores, gradients and validation loss of each objective.
enum GBDTLoss {
    /// Starting raw scores (LightGBM `boost_from_average`): the mean, the log-odds of the base
    /// rate, or the log prior of each class.
    static func initialScores(_ objective: GBDTObjective, targets y: [Double], classCount k: Int) -> [Double] {
        let n = Double(max(y.count, 1))
        switch objective {
        case .squaredError:
            return [y.reduce(0, +) / n]
        case .binaryLogLoss:
            let p = min(max(y.reduce(0, +) / n, 1e-15), 1 - 1e-15)
            return [log(p / (1 - p))]
        case .multiclass:
            var counts = [Double](repeating: 0, count: k)
            for v in y { counts[Int(v)] += 1 }
            return counts.map { log(max($0 / n, 1e-15)) }
        }
    }

    /// Writes the (gradient, hessian) pairs of `rows` for every output: `gradHess[c]` gets class
    /// c's pairs, from class-major `scores` (c × n + r). Multiclass uses softmax with LightGBM's
    /// hessian K/(K−1)·p(1−p).
    static func gradients(_ objective: GBDTObjective, targets y: UnsafeBufferPointer<Double>, rows: Range<Int>,
                          scores: [SharedBuffer<Double>], gradHess: [SharedBuffer<Double>]) {
        switch objective {
        case .squaredError:
            let (z, gh) = (scores[0].pointer, gradHess[0].pointer)
            for r in rows { gh[2 * r] = z[r] - y[r]; gh[2 * r + 1] = 1 }
        case .binaryLogLoss:
            let (z, gh) = (scores[0].pointer, gradHess[0].pointer)
            for r in rows {
                let p = 1 / (1 + exp(-z[r]))
                gh[2 * r] = p - y[r]
                gh[2 * r + 1] = max(p * (1 - p), 1e-16)
            }
        case .multiclass:
            let k = scores.count
            let factor = Double(k) / Double(max(k - 1, 1))
            for r in rows {
                var mx = -Double.infinity
                for c in 0..<k { mx = max(mx, scores[c].pointer[r]) }
                var sum = 0.0
                for c in 0..<k { sum += exp(scores[c].pointer[r] - mx) }
                let label = Int(y[r])
                for c in 0..<k {
                    let p = exp(scores[c].pointer[r] - mx) / sum
                    gradHess[c].pointer[2 * r] = p - (c == label ? 1 : 0)
                    gradHess[c].pointer[2 * r + 1] = max(factor * p * (1 - p), 1e-16)
                }
            }
        }
    }

    /// Mean loss of class-major raw scores (K × n) against targets: squared error, log loss or
    /// multi-class log loss (what early stopping watches).
    static func loss(_ objective: GBDTObjective, scores z: [Double], targets y: [Double]) -> Double {
        let n = y.count
        guard n > 0 else { return 0 }
        var total = 0.0
        switch objective {
        case .squaredError:
            for r in 0..<n { total += (z[r] - y[r]) * (z[r] - y[r]) }
        case .binaryLogLoss:
            for r in 0..<n {
                // log(1 + e^−z) for y = 1, log(1 + e^z) for y = 0, computed stably.
                let m = y[r] == 1 ? -z[r] : z[r]
                total += max(m, 0) + log1p(exp(-abs(m)))
            }
        case .multiclass:
            let k = z.count / n
            for r in 0..<n {
                var mx = -Double.infinity
                for c in 0..<k { mx = max(mx, z[c * n + r]) }
                var sum = 0.0
                for c in 0..<k { sum += exp(z[c * n + r] - mx) }
                total += log(sum) + mx - z[Int(y[r]) * n + r]
            }
        }
        return total / Double(n)
    }
}
