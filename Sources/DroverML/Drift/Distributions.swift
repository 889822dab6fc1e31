import Foundation

/// Tail probabilities used by the drift tests.
enum Distributions {
    /// Kolmogorov's limiting distribution: P(K > λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}
    /// (scipy `kstwobign.sf`). Exact to ~1e-16 for λ ≥ 0.2; 1 below 0.18 (where the sum is ≥ 1 − 1e-15).
    static func kolmogorovSurvival(_ lambda: Double) -> Double {
        if lambda <= 0 { return 1 }
        if lambda < 0.18 { return 1 }
        if lambda < 1 {
            // Jacobi form converges fast for small λ: 1 − √(2π)/λ Σ e^{−(2k−1)²π²/(8λ²)}.
            var sum = 0.0
            for k in 1...20 {
                let j = Double(2 * k - 1)
                sum += exp(-j * j * Double.pi * Double.pi / (8 * lambda * lambda))
            }
            return min(1, max(0, 1 - (2 * Double.pi).squareRoot() / lambda * sum))
        }
        var sum = 0.0
        var sign = 1.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            sum += sign * term
            if term < 1e-18 { break }
            sign = -sign
        }
        return min(1, max(0, 2 * sum))
    }

    /// Chi-square survival function P(X > x) for `dof` degrees of freedom: the regularized upper
    /// incomplete gamma Q(dof/2, x/2) (series below a+1, continued fraction above; Numerical Recipes §6.2).
    static func chiSquareSurvival(_ x: Double, dof: Int) -> Double {
        if x.isNaN { return .nan }
        if x == .infinity { return 0 }
        if dof <= 0 || x <= 0 { return 1 }
        return regularizedUpperGamma(Double(dof) / 2, x / 2)
    }

    static func regularizedUpperGamma(_ a: Double, _ x: Double) -> Double {
        let logGammaA: Double = lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(-x + a * log(x) - logGammaA))
        }
        // Lentz's continued fraction.
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, exp(-x + a * log(x) - logGammaA) * h)
    }

    /// Two-sided standard normal tail 2·(1 − Φ(|z|)).
    static func normalTwoSided(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }
}
