import DroverProtocol
import DroverStore
import Prometheus
import Synchronization

/// The Prometheus collectors (swift-prometheus): the cluster's state read at scrape time
/// through the same typed queries as `drover status`, the registry's champions, and the HTTP
/// API's own request latency and event stream.
public final class DroverMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let requestBuckets: [Duration] = [.microseconds(250), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                      .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(2)]
    let stepBuckets: [Duration] = [.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
                                   .seconds(30), .seconds(60), .seconds(300), .seconds(1800), .seconds(7200)]
    /// Last absolute values of the coordinator's counters, to add only what is new.
    let counted = Mutex<[String: Int]>([:])

    public init() {}

    func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "drover", metricName: metric, unitName: unit, helpText: help)
    }

    /// One API request's latency, by route (the route pattern, not the path: bounded cardinality).
    func recordRequest(route: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(descriptor: name("http_request_duration", unit: "seconds", help: "HTTP API request latency by route."),
                                       labels: [("route", route), ("status", String(status / 100) + "xx")], buckets: requestBuckets)
            .record(duration)
    }

    /// Reads the cluster and renders the exposition text.
    func scrape(_ backend: APIBackend) async throws -> [UInt8] {
        async let models = backend.registry.models() // read while the coordinator answers
        let status = try await backend.link.query(StatusQuery())
        let help = "Jobs in each state."
        for (state, count) in status.jobs {
            registry.makeGauge(descriptor: name("jobs", help: help), labels: [("state", state)]).set(Int64(count))
        }
        gauge("queue_depth", "Jobs waiting for a worker (queued).", status.jobs["queued"] ?? 0)
        gauge("queue_limit", "Most jobs waiting before submissions are answered busy.", status.queueLimit)
        gauge("jobs_retrying", "Jobs waiting to be retried after a failure (retry-wait).", status.jobs["retry-wait"] ?? 0)
        gauge("workers_alive", "Workers heartbeating.", status.workers.alive)
        gauge("workers_suspect", "Workers that missed heartbeats.", status.workers.suspect)
        gauge("worker_slots", "Slots of the alive workers.", status.workers.slots)
        registry.makeGauge(descriptor: name("uptime", unit: "seconds", help: "Coordinator uptime.")).set(status.uptimeSeconds)
        count("rejected_frames", "Frames rejected as malformed or of another protocol version.", status.rejectedFrames)
        count("discarded_results", "Results discarded because their lease was superseded.", status.discardedResults)
        gauge("event_subscribers", "Clients following /api/v1/events.", backend.events.subscriberCount)
        count("event_subscribers_dropped", "Event clients dropped for falling behind.", backend.events.droppedCount)
        for model in try await models {
            guard let v = model.aliases[ModelRegistry.champion],
                  let champion = try await backend.registry.champion(model: model.name) else { continue }
            registry.makeGauge(descriptor: name("model_champion_version", help: "The version the champion alias points at."),
                               labels: [("model", model.name)]).set(Int64(v))
            for (metric, value) in champion.metrics {
                registry.makeGauge(descriptor: name("model_metric", help: "The champion's evaluation metrics."),
                                   labels: [("model", model.name), ("metric", metric)]).set(value)
            }
        }
        var text = registry.emitToBuffer()
        if let wait = status.queueWait {
            text += HistogramText.render("drover_job_queue_wait_seconds", help: "Time from queued to assigned, per job attempt.", wait).utf8
        }
        if let run = status.runTime {
            text += HistogramText.render("drover_job_run_seconds", help: "Time from assigned to the attempt's end.", run).utf8
        }
        return text
    }

    /// A pipeline step that ended (seen by the event feed), by pipeline, step and status.
    func recordStep(pipeline: String, step: String, status: String, seconds: Double) {
        registry.makeDurationHistogram(descriptor: name("step_duration", unit: "seconds", help: "Pipeline step durations (not cached)."),
                                       labels: [("pipeline", pipeline), ("step", step), ("status", status)], buckets: stepBuckets)
            .record(.milliseconds(Int64(seconds * 1000)))
    }

    /// A run that ended, by pipeline and outcome.
    func recordRun(pipeline: String, state: String, seconds: Double) {
        registry.makeDurationHistogram(descriptor: name("run_duration", unit: "seconds", help: "Pipeline run durations."),
                                       labels: [("pipeline", pipeline), ("state", state)], buckets: stepBuckets)
            .record(.milliseconds(Int64(seconds * 1000)))
    }

    func gauge(_ metric: String, _ help: String, _ value: Int) {
        registry.makeGauge(descriptor: name(metric, help: help)).set(Int64(value))
    }

    /// A counter fed from the coordinator's running total (which restarts at 0 with it).
    func count(_ metric: String, _ help: String, _ total: Int) {
        let delta = counted.withLock { seen -> Int in
            defer { seen[metric] = total }
            let last = seen[metric] ?? 0
            return total >= last ? total - last : total
        }
        let counter = registry.makeCounter(descriptor: name(metric, unit: "total", help: help))
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }
}
