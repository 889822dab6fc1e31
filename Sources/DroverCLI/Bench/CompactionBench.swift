import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation

/// `drover bench compaction`: what journal compaction costs and buys, on real processes.
struct CompactionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compaction",
        abstract: "Journal compaction: dispatch with and without it, restart time and data size after millions of jobs.",
        discussion: """
        Examples:
          drover bench compaction                                 # 10M jobs, 1M-job throughput runs ×3
          drover bench compaction --jobs 2000000 --runs 1 --json

        1. Throughput: --throughput-jobs no-ops through a coordinator and 2 workers, --runs times with
           compaction off (--compact-every 0) and on; prints medians, the longest commit and the
           longest the loop spent on compaction outside commits (its pause), each with the loop
           thread's CPU time: a pause far longer than its CPU time was the scheduler's.
        2. --jobs no-ops with compaction on; the coordinator, idle, compacts what the run left
           (unless --no-settle); then kill -9 and --restarts restarts: time until `status` answers
           (median) and the data directory's size.
        """)

    @Option(name: .long, help: "Jobs of the long run whose restart is timed.")
    var jobs: Int = 10_000_000
    @Option(name: .long, help: "Jobs of each throughput run.")
    var throughputJobs: Int = 1_000_000
    @Option(name: .long, help: "Throughput runs per setting (medians reported).")
    var runs: Int = 3
    @Option(name: .long, help: "Coordinator restarts timed after the long run (median reported).")
    var restarts: Int = 5
    @Option(name: .long, help: "Journal records between snapshots when compaction is on.")
    var compactEvery: Int = 500_000
    @Option(name: .long, help: "First of two consecutive free TCP ports.")
    var port: Int = 25_585
    @Flag(name: .long, inversion: .prefixedNo, help: "Wait for the idle coordinator's snapshot before the kill -9.")
    var settle = true
    @OptionGroup var output: OutputOptions

    struct Throughput: Codable {
        var compactEvery: Int
        var jobsPerSecond: [Double]
        var medianJobsPerSecond: Double
        var snapshots: Int
        var commitMaxMs: Double
        var compactionLoopMaxMs: Double
        /// Over all runs: commits and the loop's compaction work, wall and CPU (issue #7's 10 ms).
        var commits: Pauses
        var compaction: Pauses
    }

    /// The coordinator's `LoopPauses` summaries, merged over runs.
    struct Pauses: Codable {
        var count = 0
        var maxWallMs = 0.0
        var cpuOfLongestMs = 0.0
        var maxCPUMs = 0.0
        var overTenMs = 0

        /// Parses `n=514; max=24.50ms (cpu 4.47ms); cpu.max=6.79ms; over_10ms=3` after `name=`.
        init(after name: String, in text: String) {
            guard let start = text.range(of: name + "=", options: .backwards) else { return }
            let line = text[start.upperBound...].prefix { $0 != "\n" }
            func number(after label: String) -> Double {
                guard let r = line.range(of: label) else { return 0 }
                return Double(line[r.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
            }
            count = Int(number(after: "n="))
            maxWallMs = number(after: "max=")
            cpuOfLongestMs = number(after: "(cpu ")
            maxCPUMs = number(after: "cpu.max=")
            overTenMs = Int(number(after: "over_10ms="))
        }

        init() {}

        mutating func merge(_ other: Pauses) {
            count += other.count
            if other.maxWallMs > maxWallMs { (maxWallMs, cpuOfLongestMs) = (other.maxWallMs, other.cpuOfLongestMs) }
            maxCPUMs = max(maxCPUMs, other.maxCPUMs)
            overTenMs += other.overTenMs
        }

        var summary: String {
            String(format: "%d, longest %.1f ms (CPU %.1f ms), most CPU %.1f ms, %d over 10 ms",
                   count, maxWallMs, cpuOfLongestMs, maxCPUMs, overTenMs)
        }
    }

    struct Report: Codable {
        var throughput: [Throughput]
        var jobs: Int
        var jobsPerSecond: Double
        var snapshots: Int
        var dataDirectoryMiB: Double
        var restartSeconds: [Double]
        var medianRestartSeconds: Double
        var coordinatorPeakRSSMiB: Double
        var settleSeconds: Double
    }

    func run() throws {
        try Output.runSync {
            var throughput: [Throughput] = []
            for every in [0, compactEvery] {
                var rates: [Double] = [], snapshots = 0, commitMax = 0.0, loopMax = 0.0
                var commits = Pauses(), compaction = Pauses()
                for _ in 0..<runs {
                    let run = try BenchCluster(port: port, compactEvery: every)
                    let took: Double
                    do { took = try run.submit(jobs: throughputJobs) } catch { run.stop(); throw error }
                    rates.append(Double(throughputJobs) / took)
                    let stats = run.stop()
                    snapshots += stats.snapshots
                    commitMax = max(commitMax, stats.commitMaxMs)
                    loopMax = max(loopMax, stats.compactionLoopMaxMs)
                    commits.merge(stats.commits)
                    compaction.merge(stats.compaction)
                }
                throughput.append(Throughput(compactEvery: every, jobsPerSecond: rates, medianJobsPerSecond: median(rates),
                                             snapshots: snapshots, commitMaxMs: commitMax, compactionLoopMaxMs: loopMax,
                                             commits: commits, compaction: compaction))
                if !output.json {
                    Output.line(String(format: "dispatch, compaction %@: %.0f jobs/s (median of %d × %d jobs); %d snapshots; "
                                       + "longest commit %.1f ms, longest compaction step on the loop %.2f ms",
                                       every == 0 ? "off" : "every \(every) records", median(rates), runs, throughputJobs,
                                       snapshots, commitMax, loopMax))
                    Output.line("  commits: " + commits.summary)
                    Output.line("  compaction work on the loop (ticks, steps after commits): " + compaction.summary)
                }
            }

            let long = try BenchCluster(port: port, compactEvery: compactEvery)
            // On an error, stop the cluster: a coordinator left running holds the port, and the
            // next benchmark's workers and client silently talk to it.
            var finished = false
            defer { if !finished { long.stop() } }
            let seconds = try long.submit(jobs: jobs)
            let settleSeconds = settle ? try long.waitForIdleSnapshot() : 0
            let peak = Double(long.coordinator.peakRSS) / 1_048_576
            long.coordinator.terminate(signal: SIGKILL)
            let snapshots = long.snapshotsLogged
            var restartTimes: [Double] = []
            var size = long.dataSize
            for i in 0..<restarts {
                let (time, bytes) = try long.timeRestart(index: i)
                restartTimes.append(time)
                size = max(size, bytes)
            }
            long.stop()
            finished = true
            let report = Report(throughput: throughput, jobs: jobs, jobsPerSecond: Double(jobs) / seconds, snapshots: snapshots,
                                dataDirectoryMiB: Double(size) / 1_048_576, restartSeconds: restartTimes,
                                medianRestartSeconds: median(restartTimes), coordinatorPeakRSSMiB: peak,
                                settleSeconds: settleSeconds)
            if output.json { return try Output.json(report) }
            Output.line(String(format: "%d jobs at %.0f jobs/s with compaction every %d records: %d snapshots, coordinator peak RSS %.0f MiB",
                               jobs, report.jobsPerSecond, compactEvery, snapshots, peak))
            if settle { Output.line(String(format: "idle snapshot of what the run left: %.1f s after the last job", settleSeconds)) }
            Output.line(String(format: "after kill -9: data directory %.1f MiB; restart until status answers %.3f s (median of %d: %@)",
                               report.dataDirectoryMiB, report.medianRestartSeconds, restarts,
                               restartTimes.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        }
    }
}

/// A coordinator (logging to a file) and two no-op workers in a fresh data directory.
final class BenchCluster {
    let dir: String
    let endpoint: String
    let compactEvery: Int
    var coordinator: ChildProcess
    let workers: [ChildProcess]
    var logs: [String] = []

    struct Stats {
        var snapshots = 0
        var commitMaxMs = 0.0
        var compactionLoopMaxMs = 0.0
        var commits = CompactionBench.Pauses()
        var compaction = CompactionBench.Pauses()
    }

    init(port: Int, compactEvery: Int) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-bench-compaction-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        endpoint = "tcp://127.0.0.1:\(port)"
        self.compactEvery = compactEvery
        coordinator = try Self.startCoordinator(dir: dir, endpoint: endpoint, compactEvery: compactEvery, log: dir + "/coordinator-0.log")
        logs.append(dir + "/coordinator-0.log")
        let endpoint = self.endpoint
        workers = try (1...2).map { i in
            try ChildProcess(executable: currentExecutable, arguments: [
                "worker", "--connect", endpoint, "--slots", "1", "--prefetch", "4096", "--name", "bench-\(i)", "--log-level", "warning",
            ], name: "worker-\(i)")
        }
    }

    static func startCoordinator(dir: String, endpoint: String, compactEvery: Int, log: String) throws -> ChildProcess {
        try ChildProcess(executable: currentExecutable, arguments: [
            "coordinator", "--bind", endpoint, "--data-dir", dir + "/data", "--compact-every", "\(compactEvery)", "--log-level", "info",
        ], name: "coordinator", logFile: log)
    }

    /// Submits `jobs` no-ops pipelined and waits for every DONE; returns the seconds taken.
    func submit(jobs: Int) throws -> Double {
        let client = try DroverClient(coordinator: endpoint, timeoutMs: 10_000)
        let deadline = ContinuousClock.now + .seconds(10)
        while (try? client.query(StatusQuery()))?.workers.alive ?? 0 < 2 {
            guard ContinuousClock.now < deadline, coordinator.isAlive else { throw CLIError("the benchmark cluster did not start") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let spec = JobSpec(kind: "noop")
        _ = try client.submitMany(count: 20_000, watch: true) { Array(repeating: spec, count: $0.count) } // warm-up
        let start = ContinuousClock.now
        _ = try client.submitMany(count: jobs, watch: true) { Array(repeating: spec, count: $0.count) }
        return seconds(since: start)
    }

    /// Waits (up to 10 min) until the idle coordinator started a compaction (reason=idle) and
    /// logged its snapshot; returns the seconds that took. When the last threshold compaction
    /// began so near the end that fewer records than the idle minimum (10,000) came after it, no
    /// idle compaction starts: then, once every started compaction has logged its outcome and
    /// 3 s have passed (the idle wait is 1 s), there is nothing left to wait for.
    func waitForIdleSnapshot() throws -> Double {
        let start = ContinuousClock.now
        let log = logs[logs.count - 1]
        func count(_ line: String, in text: String) -> Int { text.components(separatedBy: line).count - 1 }
        while seconds(since: start) < 600, coordinator.isAlive {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let idle = text.range(of: "reason=idle", options: .backwards),
               text[idle.upperBound...].contains("coordinator.journal.snapshot\n") {
                return seconds(since: start)
            }
            let started = count("coordinator.journal.compacting\n", in: text)
            let ended = count("coordinator.journal.snapshot\n", in: text) + count("coordinator.journal.snapshot_failed\n", in: text)
            if seconds(since: start) >= 3, started == ended { return seconds(since: start) }
            usleep(50_000)
        }
        throw CLIError("the idle coordinator logged no snapshot within 10 minutes (see \(log))")
    }

    /// Starts the coordinator again on the same data and times until `status` answers; kills it.
    func timeRestart(index: Int) throws -> (seconds: Double, bytes: Int) {
        let client = try DroverClient(coordinator: endpoint, timeoutMs: 100)
        let start = ContinuousClock.now
        let log = dir + "/coordinator-\(index + 1).log"
        coordinator = try Self.startCoordinator(dir: dir, endpoint: endpoint, compactEvery: compactEvery, log: log)
        logs.append(log)
        while (try? client.query(StatusQuery())) == nil {
            guard seconds(since: start) < 60, coordinator.isAlive else { throw CLIError("the restarted coordinator did not answer") }
        }
        let took = seconds(since: start)
        let bytes = dataSize
        coordinator.terminate(signal: SIGKILL)
        return (took, bytes)
    }

    /// Bytes in the data directory (journal, WAL, snapshot).
    var dataSize: Int {
        let data = dir + "/data"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []
        return names.reduce(0) { total, name in
            total + (((try? FileManager.default.attributesOfItem(atPath: data + "/" + name))?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }

    var snapshotsLogged: Int {
        logs.reduce(0) { total, log in
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return total + text.split(separator: "\n").filter { $0.hasSuffix("coordinator.journal.snapshot") }.count
        }
    }

    /// Stops everything (coordinator gracefully) and reads its shutdown statistics.
    @discardableResult
    func stop() -> Stats {
        coordinator.terminate()
        for w in workers { w.terminate() }
        let text = (try? String(contentsOfFile: logs.last ?? "", encoding: .utf8)) ?? ""
        var stats = Stats(snapshots: snapshotsLogged)
        stats.commitMaxMs = Self.durationSeconds(after: "commit.max=", in: text) * 1000
        stats.compactionLoopMaxMs = Self.durationSeconds(after: "compaction.loop.max=", in: text) * 1000
        stats.commits = CompactionBench.Pauses(after: "commit.pauses", in: text)
        stats.compaction = CompactionBench.Pauses(after: "compaction.pauses", in: text)
        try? FileManager.default.removeItem(atPath: dir)
        return stats
    }

    /// The number of seconds in `NAME=1.23e-05 seconds` (Swift's Duration description).
    static func durationSeconds(after name: String, in text: String) -> Double {
        guard let range = text.range(of: name, options: .backwards) else { return 0 }
        return Double(text[range.upperBound...].prefix { !$0.isWhitespace }) ?? 0
    }
}

