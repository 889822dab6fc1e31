import Foundation

/// The mixture sequential probability ratio test (mSPRT, normal mixture; Johari, Koomen, Pekelis
/// & Walsh, KDD 2017) on the difference of two arms' means, as a pure state machine: feed it the
/// arms' running summaries at every look, as often as you like — the always-valid p-value keeps
/// the false-positive rate at or below `alpha` under continuous peeking (Ville's inequality).
///
/// With `V = s²_A/n_A + s²_B/n_B` (the variance of the difference of means, which reduces to the
/// reference's `2σ²/n` for equal arms) and mixing prior `θ ~ N(0, τ²)`:
/// `Λ = sqrt(V / (V + τ²)) · exp(τ² Δ̂² / (2V(V + τ²)))`; reject H₀ (no difference) when
/// `Λ ≥ 1/α`; `p = min(p_prev, 1/Λ)`.
public struct SequentialTest: Sendable, Equatable {
    public enum Decision: String, Sendable, Codable, Equatable {
        /// Not enough evidence yet: keep the experiment running.
        case continuing
        /// The challenger's mean is significantly better (in the metric's direction).
        case challengerBetter = "challenger_better"
        /// The challenger's mean is significantly worse.
        case challengerWorse = "challenger_worse"
    }

    public struct Arm: Sendable, Equatable {
        public var count: Int
        public var mean: Double
        public var variance: Double
        public init(count: Int, mean: Double, variance: Double) {
            self.count = count; self.mean = mean; self.variance = variance
        }
    }

    public let alpha: Double
    public let higherIsBetter: Bool
    /// Rows per arm before the test looks (the plug-in variance is unreliable before).
    public let minimumPerArm: Int
    /// The truncation horizon τ is tuned to (the sample size per arm where it has most power).
    public let horizon: Double

    public private(set) var decision: Decision = .continuing
    public private(set) var pValue: Double = 1
    public private(set) var looks = 0
    /// The last look's statistic, difference (challenger − champion) and always-valid interval.
    public private(set) var lambda: Double = 0
    public private(set) var difference: Double = 0
    public private(set) var interval: ClosedRange<Double> = -Double.infinity...Double.infinity

    public init(alpha: Double = 0.05, higherIsBetter: Bool = true, minimumPerArm: Int = 100, horizon: Double = 5_000) {
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1)")
        self.alpha = alpha
        self.higherIsBetter = higherIsBetter
        self.minimumPerArm = minimumPerArm
        self.horizon = horizon
    }

    /// One look at the arms' summaries so far. A decision, once made, stays.
    @discardableResult
    public mutating func look(champion a: Arm, challenger b: Arm) -> Decision {
        guard decision == .continuing, a.count >= minimumPerArm, b.count >= minimumPerArm else { return decision }
        looks += 1
        let v = a.variance / Double(a.count) + b.variance / Double(b.count)
        difference = b.mean - a.mean
        guard v > 0 else {
            // Both arms constant: any difference is exact.
            if difference != 0 { settle(pValue: 0) }
            return decision
        }
        let sigma2 = (a.variance + b.variance) / 2
        let tau2 = Self.tau2(alpha: alpha, sigma2: sigma2, horizon: horizon)
        let logLambda = 0.5 * log(v / (v + tau2)) + tau2 * difference * difference / (2 * v * (v + tau2))
        lambda = exp(min(logLambda, 700))
        let half = sqrt(v * (v + tau2) / tau2 * log((v + tau2) / (v * alpha * alpha)))
        let now = (difference - half)...(difference + half)
        let lower = max(interval.lowerBound, now.lowerBound), upper = min(interval.upperBound, now.upperBound)
        interval = lower <= upper ? lower...upper : now
        let p = min(pValue, 1 / lambda)
        if logLambda >= log(1 / alpha) { settle(pValue: p) } else { pValue = p }
        return decision
    }

    private mutating func settle(pValue p: Double) {
        pValue = p
        let better = higherIsBetter ? difference > 0 : difference < 0
        decision = better ? .challengerBetter : .challengerWorse
    }

    /// The mixing variance tuned to a horizon of `horizon` rows per arm (mixtureSPRT `calcTau`:
    /// `b = 2 ln(1/α) / sqrt(Mσ²)`, `τ² = σ² Φ(−b) / (φ(b)/b − Φ(−b))`), with σ² the per-row
    /// variance of the metric. τ² is on the scale of the effect, the same in both forms of Λ.
    static func tau2(alpha: Double, sigma2: Double, horizon: Double) -> Double {
        let b = 2 * log(1 / alpha) / sqrt(horizon * sigma2)
        let cdf = 0.5 * erfc(b / sqrt(2))
        let pdf = exp(-b * b / 2) / sqrt(2 * Double.pi)
        let t2 = sigma2 * cdf / (pdf / b - cdf)
        return max(t2, 1e-12)
    }
}
