import DroverProtocol

extension VerdictInfo {
    /// The wire form of a verdict, for `RunInfo`.
    public init(_ verdict: Verdict) {
        self.init(passed: verdict.passed,
                  checks: verdict.checks.map {
                      Check(metric: $0.metric, kind: $0.kind.rawValue, candidate: $0.candidate, baseline: $0.baseline,
                            measured: $0.measured, threshold: $0.threshold, passed: $0.passed, reason: $0.reason)
                  },
                  firstModel: verdict.firstModel, notes: verdict.notes, table: verdict.table)
    }
}
