import DroverProtocol

/// The adaptive prefetch: how many attempts a worker holds ready beyond its slots follows the
/// mean duration of its jobs, so a flood of tiny jobs is not throttled by coordinator round
/// trips while long jobs are not hoarded (Celery's pitfall with a large fixed prefetch).
///
/// Target: `slots × ⌈prefetchWorkMicros / mean job duration⌉`, clamped to
/// `prefetch…maxPrefetch` — about 2 ms of work per slot. No-ops (0 µs) reach the ceiling after
/// their first RESULTS; jobs of 1 ms hold 2 per slot; jobs of 2 ms or more stay at the floor.
/// Growing grants the extra credit at once. Shrinking (a target under half the current one)
/// withholds the difference from the credits finished attempts return (`creditDebt`) and hands
/// back waiting attempts beyond the new capacity, so they go to other workers without delay.
extension WorkerSession {
    /// Slots plus the prefetch in force.
    var capacityNow: Int { config.slots + prefetchNow }

    /// Returns the credit of an attempt that left the worker's hold, unless a shrink is owed.
    mutating func returnCredit() {
        if creditDebt > 0 {
            creditDebt -= 1
        } else if !draining {
            creditToGrant += 1
        }
    }

    /// Folds the durations of attempts that ended on their own into the mean; moves the prefetch.
    mutating func adaptPrefetch(durations: [UInt64]) {
        guard config.isPrefetchAdaptive, !durations.isEmpty, !draining else { return }
        for d in durations {
            let sample = Double(d)
            // An exponentially weighted mean over about the last 8 attempts: quick to follow a change of workload.
            meanJobMicros = meanJobMicros.map { $0 + (sample - $0) / 8 } ?? sample
        }
        let target = prefetchTarget
        if target > prefetchNow {
            let extra = target - prefetchNow
            let owed = min(creditDebt, extra)
            creditDebt -= owed
            creditToGrant += UInt32(extra - owed)
            prefetchNow = target
        } else if target < prefetchNow / 2 {
            creditDebt += prefetchNow - target
            prefetchNow = target
            handBackExcess()
        }
    }

    /// The prefetch the mean job duration asks for.
    var prefetchTarget: Int {
        let perSlot = (config.prefetchWorkMicros / max(meanJobMicros ?? 0, 1)).rounded(.up)
        let wanted = Double(config.slots) * perSlot
        return Int(min(max(wanted, Double(config.prefetch)), Double(config.maxPrefetch)))
    }

    /// Waiting attempts beyond the capacity in force go back to the coordinator (newest first),
    /// each paying one credit of the debt instead of returning it.
    mutating func handBackExcess() {
        while creditDebt > 0, waiting.count + running.count > capacityNow, let a = waiting.popLast() {
            waitingTokens.remove(a.token)
            report(AttemptResult(lease: a.lease, outcome: .handedBack, message: "prefetch shrank: job duration grew"))
            returnCredit()
        }
    }
}
