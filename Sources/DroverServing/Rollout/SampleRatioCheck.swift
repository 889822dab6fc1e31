import Foundation

/// Sample-ratio mismatch: Pearson's χ² goodness of fit of the arms' request counts against the
/// configured split (df = 1 for two arms). As GrowthBook: flagged at p < 0.001, and only once each
/// arm has at least 8 requests. A mismatch means the results must not be read until its cause is
/// known (a crashing arm, a biased router, a filter on one side).
public struct SampleRatioCheck: Sendable, Codable, Equatable {
    public static let threshold = 0.001
    public static let minimumPerArm = 8

    public var expectedShare: Double
    public var observedShare: Double
    public var chiSquare: Double
    public var pValue: Double
    /// False until each arm has `minimumPerArm` requests.
    public var checked: Bool
    public var mismatch: Bool

    /// `share` is the challenger's configured share of traffic (0…1).
    public init(champion: Int, challenger: Int, share: Double) {
        let n = Double(champion + challenger)
        expectedShare = share
        observedShare = n > 0 ? Double(challenger) / n : 0
        checked = champion >= Self.minimumPerArm && challenger >= Self.minimumPerArm && share > 0 && share < 1
        guard checked else {
            chiSquare = 0; pValue = 1; mismatch = false
            return
        }
        let expected = [n * (1 - share), n * share]
        let observed = [Double(champion), Double(challenger)]
        chiSquare = zip(observed, expected).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) / $1.1 }
        // χ² with one degree of freedom: P(X > x) = erfc(sqrt(x / 2)).
        pValue = erfc(sqrt(chiSquare / 2))
        mismatch = pValue < Self.threshold
    }
}
