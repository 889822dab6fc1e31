import DroverArtifacts
import DroverCoordinator
import DroverCore
import DroverProtocol
import DroverStore
import Foundation
import Logging

/// One running command job's `metrics` stream (the lines of its `$DROVER_METRICS`, streamed by
/// the worker in LOGS chunks and kept by the coordinator in `LogFiles`), read from where the
/// last poll ended.
struct MetricStream {
    static let pollInterval = Duration.milliseconds(200)
    /// Bytes per read; a poll reads on while reads come back full (bounded).
    static let readBytes = 4 << 20
    var attempt: UInt32 = 0
    var offset: Int64 = 0
    /// Bytes after the last complete line.
    var partial: [UInt8] = []
    /// Next step of each metric whose lines give none.
    var nextStep: [String: Int64] = [:]
}

/// Metrics while command jobs run: every point lands in the metadata store (with its step;
/// source = the step, or `step/trial-N`), and a swept step's ranking metric goes to its
/// planner, whose early-stopping rule may stop the trial.
extension LoopState {
    mutating func pollMetrics(_ jobs: [UInt64]? = nil) {
        for jobID in jobs ?? Array(watching.keys) {
            // A fast writer: read on while the coordinator returns full 1 MiB replies (bounded).
            for _ in 0..<16 where readMetrics(jobID) {}
        }
    }

    /// Reads the next part of one job's metrics stream; true when more is likely waiting.
    mutating func readMetrics(_ jobID: UInt64) -> Bool {
        guard let (run, key) = watching[jobID], let planner = live[run]?.planner, let (step, shard) = Self.split(key),
              planner.spec.step(named: step)?.command != nil else { return false }
        let data = runner.options.dataDirectory
        guard let attempt = LogFiles.newestAttempt(dataDirectory: data, job: jobID) else { return false }
        var stream = metricStreams[jobID] ?? MetricStream()
        if attempt != stream.attempt { stream = MetricStream(attempt: attempt) } // a new attempt starts over
        var bytes = stream.partial
        let read = Self.append(LogFiles.path(dataDirectory: data, job: jobID, attempt: attempt, stream: "metrics"),
                               from: stream.offset, upTo: MetricStream.readBytes, to: &bytes)
        guard read > 0 else {
            metricStreams[jobID] = stream
            return false
        }
        stream.offset += Int64(read)
        let end = bytes.lastIndex(of: 10).map { $0 + 1 } ?? 0
        stream.partial = Array(bytes[end...])
        let sweep = planner.steps[step]?.sweep != nil
        let points = MetricLines.parse(bytes[..<end], at: Double(PipelineRunner.nowMs()) / 1000,
                                       source: sweep ? "\(step)/trial-\(shard)" : step, nextStep: &stream.nextStep)
        metricStreams[jobID] = stream
        if !points.isEmpty {
            records.emit([.metrics(runID: run, points)])
            if let metric = planner.watchedMetric(key: key) {
                let curve = points.filter { $0.key == metric }.map { SweepRun.CurvePoint(step: Int($0.step), value: $0.value) }
                if !curve.isEmpty { handle(.trialReported(key: key, points: curve), run: run) }
            }
        }
        return read == MetricStream.readBytes
    }

    /// Appends up to `limit` bytes of the file from `offset`; returns how many (0 when absent or unreadable).
    static func append(_ path: String, from offset: Int64, upTo limit: Int, to bytes: inout [UInt8]) -> Int {
        guard let file = try? PosixFile.open(path, flags: O_RDONLY), let size = try? file.size(), size > offset else { return 0 }
        let want = Int(min(Int64(limit), size - offset))
        let chunk = [UInt8](unsafeUninitializedCapacity: want) { buffer, count in
            count = 0
            let raw = UnsafeMutableRawBufferPointer(buffer)
            while count < want, let n = try? file.pread(into: UnsafeMutableRawBufferPointer(rebasing: raw[count..<want]), at: offset + Int64(count)),
                  n > 0 {
                count += n
            }
        }
        bytes += chunk
        return chunk.count
    }

    /// Cancels stopped trials through the coordinator (SIGTERM, grace, SIGKILL on the worker).
    mutating func cancel(_ keys: [String], run: String) {
        guard let client, let record = live[run]?.record else { return }
        for key in keys {
            guard let id = record.jobIDs[key] else { continue }
            do {
                _ = try client.command(CancelJob(id: id))
                logger.info("pipeline.trial.stopped", metadata: ["run.id": "\(run)", "job.id": "\(id)", "key": "\(key)"])
            } catch {
                logger.warning("pipeline.trial.uncancelled", metadata: ["run.id": "\(run)", "job.id": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// `<run>/<step>/<shard>` → (step, shard).
    static func split(_ key: String) -> (String, Int)? {
        let parts = key.split(separator: "/")
        guard parts.count >= 3, let shard = Int(parts[parts.count - 1]) else { return nil }
        return (String(parts[parts.count - 2]), shard)
    }
}
