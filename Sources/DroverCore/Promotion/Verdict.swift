/// The typed outcome of evaluating a candidate against a policy (and the champion, if any).
/// Stored with every promotion, printed as a table, returned as JSON.
public struct Verdict: Sendable, Codable, Hashable {
    public enum Outcome: String, Sendable, Codable, Hashable {
        case pass, fail
    }

    /// One row of the table: one threshold of one metric.
    public struct Check: Sendable, Codable, Hashable {
        public enum Kind: String, Sendable, Codable, Hashable {
            case value
            case absoluteChange = "absolute_change"
            case relativeChange = "relative_change"
        }

        public var metric: String
        public var kind: Kind
        /// The candidate's value; nil when the metric was not computed.
        public var candidate: Double?
        /// The champion's value for change checks; nil for value checks or when missing.
        public var baseline: Double?
        /// What was compared with the threshold: the value, the diff, or the ratio.
        public var measured: Double?
        /// The threshold in words, e.g. `v ≥ 0.8` or `d ≥ -1e-10 (higher is better)`.
        public var threshold: String
        public var outcome: Outcome
        public var reason: String

        public var passed: Bool { outcome == .pass }

        public init(metric: String, kind: Kind, candidate: Double?, baseline: Double?, measured: Double?, threshold: String,
                    outcome: Outcome, reason: String) {
            self.metric = metric; self.kind = kind; self.candidate = candidate; self.baseline = baseline
            self.measured = measured; self.threshold = threshold; self.outcome = outcome; self.reason = reason
        }
    }

    public var outcome: Outcome
    public var checks: [Check]
    /// True when there was no champion and change thresholds were dropped (or the first-model
    /// policy rejected the candidate).
    public var firstModel: Bool
    /// Notes that apply to the whole verdict (e.g. which policy decided a first model).
    public var notes: [String]

    public init(outcome: Outcome, checks: [Check], firstModel: Bool, notes: [String]) {
        self.outcome = outcome
        self.checks = checks
        self.firstModel = firstModel
        self.notes = notes
    }

    public var passed: Bool { outcome == .pass }

    /// The failed checks' reasons, one line each (empty when passed).
    public var failures: [String] {
        checks.filter { !$0.passed }.map { "\($0.metric) \($0.kind.rawValue): \($0.reason)" }
    }
}
