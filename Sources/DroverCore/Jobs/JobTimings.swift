import DroverProtocol

/// How long jobs wait and run, from their state changes: queue wait is the time from becoming
/// queued (submitted, requeued, released) to being assigned; run time is the time from being
/// assigned to ending or being requeued (an attempt, whatever its outcome).
public struct JobTimings: Sendable, Equatable {
    public private(set) var queueWait = LatencyHistogram()
    public private(set) var runTime = LatencyHistogram()

    public init() {}

    mutating func observe(from old: JobState, to new: JobState, sinceMs: Int64) {
        switch (old, new) {
        case (.queued, .assigned): queueWait.observe(ms: sinceMs)
        case (.assigned, _), (.running, _): if new != .running { runTime.observe(ms: sinceMs) }
        default: break
        }
    }
}
