/// Ray Tune's `MedianStoppingRule` with `hard_stop = True`, as a pure state machine. Time is the
/// step a trial reports (Ray's default is seconds); values are rewards (higher is better).
///
/// At time t ≥ grace: the trial's **best** reward so far is compared with the median, over the
/// other trials that have reported up to ≥ t, of each one's running mean of its rewards over
/// [grace, t]; it stops if strictly worse. With fewer than `minSamples` such trials it
/// continues (Ray may pause it instead; Drover never pauses a running process).
public struct MedianStoppingRule: Sendable, Equatable, Codable {
    public let gracePeriod: Int
    public let minSamples: Int
    /// trial → its results (time, reward) in arrival order.
    public private(set) var results: [Int: [Point]] = [:]

    public struct Point: Sendable, Equatable, Codable {
        public var time: Int
        public var reward: Double
    }

    public enum Decision: Sendable, Equatable {
        case `continue`
        case stop(best: Double, median: Double)
    }

    public init(gracePeriod: Int = 1, minSamples: Int = 3) {
        self.gracePeriod = max(0, gracePeriod)
        self.minSamples = max(1, minSamples)
    }

    public mutating func onResult(trial: Int, time: Int, reward: Double) -> Decision {
        results[trial, default: []].append(Point(time: time, reward: reward))
        guard time >= gracePeriod else { return .continue }
        let others = results.filter { $0.key != trial && ($0.value.last?.time ?? Int.min) >= time }.map(\.key)
        guard others.count >= minSamples else { return .continue }
        let means = others.sorted().compactMap { runningMean($0, upTo: time) }
        guard !means.isEmpty, let best = results[trial]?.map(\.reward).max() else { return .continue }
        let median = Self.median(means)
        return best < median ? .stop(best: best, median: median) : .continue
    }

    func runningMean(_ trial: Int, upTo time: Int) -> Double? {
        let window = (results[trial] ?? []).filter { $0.time >= gracePeriod && $0.time <= time }.map(\.reward)
        return window.isEmpty ? nil : window.reduce(0, +) / Double(window.count)
    }

    /// `np.median`: the middle value, or the mean of the two middle ones.
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }
}
