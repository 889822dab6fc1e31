/// The trials of one swept step and what happened to each: which may start (bounded by
/// `max_parallel`), which the early-stopping rule stops, and which wins. Pure; the planner
/// feeds it and turns its answers into jobs and cancellations.
public struct SweepRun: Sendable, Equatable, Codable {
    public let spec: SweepSpec
    public private(set) var trials: [Trial]
    private var asha: AsyncSuccessiveHalving?
    private var median: MedianStoppingRule?

    public struct Trial: Sendable, Equatable, Codable {
        public var index: Int
        public var params: [String: String]
        public var status: TrialStatus = .pending
        /// The ranking metric as reported while running: (step, value).
        public var curve: [CurvePoint] = []
        /// Final metrics of a finished trial.
        public var metrics: [String: Double] = [:]
        public var outputs: [String: String] = [:]
        /// Why it was stopped early, or why it failed.
        public var reason: String?
        public var startedAtMs: Int64?
        public var endedAtMs: Int64?
    }

    public enum TrialStatus: String, Sendable, Equatable, Codable {
        case pending, running
        /// Asked to stop early; its job is being cancelled.
        case stopping
        case succeeded, stopped, failed

        public var isFinal: Bool { self == .succeeded || self == .stopped || self == .failed }
    }

    public struct CurvePoint: Sendable, Equatable, Codable {
        public var step: Int
        public var value: Double
        public init(step: Int, value: Double) {
            self.step = step
            self.value = value
        }
    }

    public init(spec: SweepSpec) {
        self.spec = spec
        trials = SweepTrials.plan(spec).enumerated().map { Trial(index: $0.offset, params: $0.element) }
        switch spec.earlyStopping {
        case .asha(let grace, let rf, let maxT): asha = AsyncSuccessiveHalving(gracePeriod: grace, reductionFactor: rf, maxT: maxT)
        case .median(let grace, let samples): median = MedianStoppingRule(gracePeriod: grace, minSamples: samples)
        case nil: break
        }
    }

    /// Pending trials that may start now (at most `max_parallel` running); marks them running.
    public mutating func launch(now: Int64 = 0) -> [Int] {
        let busy = trials.filter { $0.status == .running || $0.status == .stopping }.count
        let start = trials.filter { $0.status == .pending }.prefix(max(0, spec.maxParallel - busy)).map(\.index)
        for i in start {
            trials[i].status = .running
            trials[i].startedAtMs = now
        }
        return start
    }

    /// Points of the ranking metric a running trial reported; returns the trials to stop.
    public mutating func report(trial i: Int, points: [CurvePoint]) -> [Int] {
        guard trials.indices.contains(i), trials[i].status == .running else { return [] }
        let sign = spec.direction == .higherIsBetter ? 1.0 : -1.0
        for p in points where trials[i].status == .running {
            guard p.step > (trials[i].curve.last?.step ?? Int.min) else { continue } // a point seen before
            trials[i].curve.append(p)
            if var rule = asha {
                if case .stop(let milestone?, let cutoff?) = rule.onResult(trial: i, time: p.step, reward: sign * p.value) {
                    stop(i, "asha: \(spec.metric) \(p.value) at step \(p.step) is below rung \(milestone)'s cutoff \(sign * cutoff) (top 1/\(rule.reductionFactor) continue)")
                }
                asha = rule
            } else if var rule = median {
                if case .stop(let best, let median) = rule.onResult(trial: i, time: p.step, reward: sign * p.value) {
                    stop(i, "median: best \(spec.metric) \(sign * best) by step \(p.step) is worse than the median \(sign * median) of the other trials' running means")
                }
                self.median = rule
            }
        }
        return trials[i].status == .stopping ? [i] : []
    }

    private mutating func stop(_ i: Int, _ reason: String) {
        trials[i].status = .stopping
        trials[i].reason = reason
    }

    /// The trial's job succeeded (a stopping trial that ended anyway counts as stopped).
    public mutating func succeeded(trial i: Int, metrics: [String: Double], outputs: [String: String], now: Int64 = 0) {
        guard trials.indices.contains(i), !trials[i].status.isFinal else { return }
        trials[i].endedAtMs = now
        trials[i].metrics = metrics
        trials[i].outputs = outputs
        trials[i].status = trials[i].status == .stopping ? .stopped : .succeeded
    }

    /// The trial's job failed or was cancelled (the end of a stopping trial).
    public mutating func failed(trial i: Int, message: String, now: Int64 = 0) {
        guard trials.indices.contains(i), !trials[i].status.isFinal else { return }
        trials[i].endedAtMs = now
        if trials[i].status == .stopping {
            trials[i].status = .stopped
        } else {
            trials[i].status = .failed
            trials[i].reason = message
        }
    }

    /// Trials asked to stop whose jobs have not ended yet (cancel again after a restart).
    public var stopping: [Int] { trials.filter { $0.status == .stopping }.map(\.index) }
    public var running: [Int] { trials.filter { $0.status == .running || $0.status == .stopping }.map(\.index) }
    public var isDone: Bool { trials.allSatisfy { $0.status.isFinal } }

    /// The trial's final value of the ranking metric: its final metrics, else its last point.
    public func value(_ t: Trial) -> Double? {
        t.metrics[spec.metric] ?? t.curve.last?.value
    }

    /// The best trial that ran to its end (a stopped trial has no model): ties go to the earlier.
    public var best: Trial? {
        let better: (Double, Double) -> Bool = spec.direction == .higherIsBetter ? { $0 > $1 } : { $0 < $1 }
        var winner: (Trial, Double)?
        for t in trials where t.status == .succeeded {
            guard let v = value(t), !v.isNaN else { continue }
            if winner == nil || better(v, winner!.1) { winner = (t, v) }
        }
        return winner?.0
    }
}
