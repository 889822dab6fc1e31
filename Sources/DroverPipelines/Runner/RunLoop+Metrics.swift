import DroverCore
import DroverProtocol
import DroverStore
import Foundation
import Logging

/// One running command job's `metrics` stream (the lines of its `$DROVER_METRICS`, streamed by
/// the worker in LOGS chunks and kept by the coordinator), read from where the last poll ended.
struct MetricStream {
    static let pollInterval = Duration.milliseconds(200)
    var attempt: UInt32 = 0
    var offset: Int64 = 0
    /// Text after the last complete line.
    var partial = ""
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
        guard let client, let (run, key) = watching[jobID], let planner = live[run]?.planner, let (step, shard) = Self.split(key),
              planner.spec.step(named: step)?.command != nil else { return false }
        var stream = metricStreams[jobID] ?? MetricStream()
        let reply: LogsReply
        do {
            reply = try client.query(LogsQuery(id: jobID, stream: "metrics", offset: stream.attempt == 0 ? 0 : stream.offset))
        } catch {
            logger.warning("pipeline.metrics.unreadable", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
            return false
        }
        if reply.attempt != stream.attempt { stream = MetricStream(attempt: reply.attempt) } // a new attempt starts over
        guard reply.attempt > 0, !reply.text.isEmpty, reply.offset == stream.offset else {
            metricStreams[jobID] = stream
            return false
        }
        stream.offset = reply.nextOffset
        var bytes = Array(stream.partial.utf8)
        bytes += reply.text.utf8
        let end = bytes.lastIndex(of: 10).map { $0 + 1 } ?? 0
        stream.partial = String(decoding: bytes[end...], as: UTF8.self)
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
        return reply.nextOffset - reply.offset >= (1 << 20) - 4
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

/// The metrics protocol's lines (docs/commands.md): `{"metric": NAME, "value": N, "step": S}`;
/// anything else is skipped (the worker counts garbage at the end of the run).
enum MetricLines {
    static func parse(_ text: ArraySlice<UInt8>, at timestamp: Double, source: String, nextStep autoStep: inout [String: Int64]) -> [MetricPoint] {
        var out: [MetricPoint] = []
        for line in text.split(separator: 10) where line.first == UInt8(ascii: "{") {
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                  let name = obj["metric"] as? String, !name.isEmpty, name.count <= 256,
                  let value = (obj["value"] as? NSNumber)?.doubleValue, value.isFinite, !(obj["value"] is Bool) else { continue }
            let step = (obj["step"] as? NSNumber).map { Int64($0.doubleValue) } ?? autoStep[name, default: 0]
            autoStep[name] = step + 1
            out.append(MetricPoint(key: name, value: value, step: step, timestamp: timestamp, source: source))
        }
        return out
    }
}
