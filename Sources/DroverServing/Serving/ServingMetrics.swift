import DroverML
import Prometheus
import Synchronization

/// `/metrics` of `drover serve`: requests, errors, rows and latency per model version and arm
/// (bounded labels: versions and arms, never request ids).
public final class ServingMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let buckets: [Duration] = [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                               .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .seconds(1)]

    public init() {}

    func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "drover_serve", metricName: metric, unitName: unit, helpText: help)
    }

    /// The series an answered request updates, made once per (model, version, arm): looking them
    /// up in the registry builds names and labels and takes its lock, three times a request.
    struct Answered: Sendable {
        let requests: Counter
        let rows: Counter
        let duration: DurationHistogram
    }

    struct SeriesKey: Hashable {
        var model: String
        var version: Int
        var arm: String
    }

    private let answered = Mutex<[SeriesKey: Answered]>([:])

    private func labels(_ key: SeriesKey) -> [(String, String)] {
        [("model", key.model), ("version", String(key.version)), ("arm", key.arm)]
    }

    private func requests(_ key: SeriesKey, status: Int) -> Counter {
        registry.makeCounter(descriptor: name("requests", unit: "total", help: "Predict requests by model version, arm and status class."),
                             labels: labels(key) + [("status", String(status / 100) + "xx")])
    }

    /// One answered (or failed) predict request.
    func request(model: String, version: Int, arm: String, status: Int, rows: Int, duration: Duration) {
        let key = SeriesKey(model: model, version: version, arm: arm)
        if status >= 400 {
            requests(key, status: status).increment()
            registry.makeCounter(descriptor: name("errors", unit: "total", help: "Predict requests that failed (4xx and 5xx)."),
                                 labels: labels(key)).increment()
            return
        }
        let series = answered.withLock { cache in
            if let s = cache[key] { return s }
            let s = Answered(requests: requests(key, status: status),
                             rows: registry.makeCounter(descriptor: name("rows", unit: "total", help: "Rows predicted."), labels: labels(key)),
                             duration: registry.makeDurationHistogram(
                                descriptor: name("request_duration", unit: "seconds", help: "Predict latency, validation to answer."),
                                labels: labels(key), buckets: buckets))
            cache[key] = s
            return s
        }
        series.requests.increment()
        series.rows.increment(by: Int64(rows))
        series.duration.record(duration)
    }

    /// A request refused before a version was chosen (unknown model, bad JSON, too large).
    func refused(model: String, code: String) {
        registry.makeCounter(descriptor: name("refused", unit: "total", help: "Requests refused before reaching a model."),
                             labels: [("model", model), ("code", code)]).increment()
    }

    /// A challenger failure the user never saw (they got the champion's answer).
    func challengerFailure(model: String, version: Int, arm: String) {
        registry.makeCounter(descriptor: name("challenger_failures", unit: "total", help: "Challenger or shadow predictions that failed."),
                             labels: [("model", model), ("version", String(version)), ("arm", arm)]).increment()
    }

    func loaded(model: String, version: Int, role: String) {
        registry.makeGauge(descriptor: name("loaded_version", help: "The version serving each role (champion, challenger)."),
                           labels: [("model", model), ("role", role)]).set(Int64(version))
    }

    func swaps(model: String) {
        registry.makeCounter(descriptor: name("swaps", unit: "total", help: "Hot swaps after an alias move."),
                             labels: [("model", model)]).increment()
    }

    /// The last drift comparison of the live window, per column (1 = drifted) and its score.
    func drift(model: String, _ report: DriftReport) {
        for c in report.columns {
            let labels = [("model", model), ("column", c.column), ("method", c.method.rawValue)]
            registry.makeGauge(descriptor: name("input_drifted", help: "1 when the live window of a column drifted from the reference."),
                               labels: labels).set(Int64(c.drifted ? 1 : 0))
            if let v = c.value {
                registry.makeGauge(descriptor: name("input_drift_value", help: "The drift test's value (p-value or distance) per column."),
                                   labels: labels).set(v)
            }
        }
    }

    public func render() -> [UInt8] { registry.emitToBuffer() }
}
