import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How long the loop spent on one kind of work (group commits, compaction): the longest time on
/// the wall clock, the thread's CPU time during it, the most CPU any one took, and how many took
/// longer than `limit` (issue #7: compaction may not stall dispatch for 10 ms). A step much longer
/// on the wall than on the CPU was preempted or waited for the disk: on 2 cores shared with the
/// workers and the client the scheduler takes the loop off the CPU for several milliseconds,
/// with compaction on or off.
struct LoopPauses {
    static let limit: Duration = .milliseconds(10)
    private(set) var count = 0
    private(set) var total: Duration = .zero
    private(set) var longest: Duration = .zero
    private(set) var longestCPU: Duration = .zero
    private(set) var mostCPU: Duration = .zero
    private(set) var overLimit = 0

    mutating func add(_ took: PauseTimer.Elapsed) {
        count += 1
        total += took.wall
        if took.wall > longest { (longest, longestCPU) = (took.wall, took.cpu) }
        mostCPU = max(mostCPU, took.cpu)
        if took.wall > Self.limit { overLimit += 1 }
    }

    var average: Duration { count > 0 ? total / count : .zero }

    /// `n=…; max=… ms (cpu … ms); cpu.max=… ms; over_10ms=…`, for the stop log.
    var summary: String {
        func ms(_ d: Duration) -> String {
            String(format: "%.2f", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        }
        return "n=\(count); max=\(ms(longest))ms (cpu \(ms(longestCPU))ms); cpu.max=\(ms(mostCPU))ms; over_10ms=\(overLimit)"
    }
}

/// Wall and thread-CPU time since it was made.
struct PauseTimer {
    struct Elapsed { var wall: Duration; var cpu: Duration }
    private let wall = ContinuousClock.now
    private let cpu = PauseTimer.threadCPU()

    var elapsed: Elapsed { Elapsed(wall: ContinuousClock.now - wall, cpu: Self.threadCPU() - cpu) }

    static func threadCPU() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }
}
