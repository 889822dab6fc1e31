/// Ray Tune's `ASHAScheduler` (`AsyncHyperBandScheduler` with one bracket, `stop_last_trials`),
/// as a pure state machine. Time is the step a trial reports; values are rewards (the metric,
/// sign-flipped when lower is better).
///
/// Rungs are at `grace · rf^k` for `k < int(log(max_t/grace)/log(rf) + 1)` (1, 4, 16, 64 with
/// the defaults). On each result the highest rung the trial has reached but not yet recorded
/// decides: with `cutoff` = the (1 − 1/rf) percentile (numpy's linear interpolation) of the
/// values recorded there, the trial stops if its value < cutoff; its value is recorded either
/// way, and the first trial at a rung always continues. A trial at `time ≥ max_t` stops.
public struct AsyncSuccessiveHalving: Sendable, Equatable, Codable {
    public let gracePeriod: Int
    public let reductionFactor: Int
    public let maxT: Int
    /// Rungs from the highest milestone to the lowest: milestone → trial → recorded reward.
    public private(set) var rungs: [Rung]

    public struct Rung: Sendable, Equatable, Codable {
        public var milestone: Int
        public var recorded: [Int: Double] = [:]
    }

    public enum Decision: Sendable, Equatable {
        case `continue`
        /// Stopped below the rung's cutoff (`milestone`, `cutoff`), or at `max_t` (nil).
        case stop(milestone: Int?, cutoff: Double?)
    }

    public init(gracePeriod: Int = 1, reductionFactor: Int = 4, maxT: Int = 100) {
        self.gracePeriod = max(1, gracePeriod)
        self.reductionFactor = max(2, reductionFactor)
        self.maxT = max(self.gracePeriod, maxT)
        let count = Int(log(Double(self.maxT) / Double(self.gracePeriod)) / log(Double(self.reductionFactor)) + 1)
        var milestones: [Int] = []
        var m = self.gracePeriod
        for _ in 0..<max(count, 0) {
            milestones.append(m)
            m *= self.reductionFactor
        }
        rungs = milestones.reversed().map { Rung(milestone: $0) }
    }

    /// A result of `trial` at `time` with `reward` (higher is better).
    public mutating func onResult(trial: Int, time: Int, reward: Double) -> Decision {
        var decision = Decision.continue
        for i in rungs.indices where time >= rungs[i].milestone && rungs[i].recorded[trial] == nil {
            if let cutoff = Self.cutoff(Array(rungs[i].recorded.values), reductionFactor: reductionFactor), reward < cutoff {
                decision = .stop(milestone: rungs[i].milestone, cutoff: cutoff)
            }
            if !reward.isNaN { rungs[i].recorded[trial] = reward }
            break
        }
        if time >= maxT, decision == .continue { decision = .stop(milestone: nil, cutoff: nil) }
        return decision
    }

    /// `np.nanpercentile(recorded, (1 − 1/rf)·100)`, or nil when nothing is recorded.
    static func cutoff(_ recorded: [Double], reductionFactor: Int) -> Double? {
        percentile(recorded.filter { !$0.isNaN }, (1 - 1 / Double(reductionFactor)) * 100)
    }

    /// numpy's default ("linear") percentile: index q/100·(n−1) into the sorted values.
    static func percentile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let index = q / 100 * Double(sorted.count - 1)
        let low = Int(index.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (index - Double(low))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
