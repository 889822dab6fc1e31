import Foundation

/// Milliseconds on a wall-clock scale that never jumps: the wall time at start plus the
/// monotonic time elapsed since. Leases and heartbeats are immune to NTP steps, and
/// timestamps in `drover status JOB` still read as dates.
struct CoordinatorClock {
    private let startWallMs: Int64
    private let start = ContinuousClock.now

    init() {
        startWallMs = Int64(Date().timeIntervalSince1970 * 1000)
    }

    var nowMs: Int64 {
        let elapsed = ContinuousClock.now - start
        return startWallMs + elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
