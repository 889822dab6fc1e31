import DroverCore
import DroverStore
import Testing

@Suite("Anomalies on the metadata history")
struct HistoryAnomalyTests {
    @Test("a step far slower than its median is flagged; noise and short history are not")
    func slowStep() {
        #expect(HistoryAnomalyDetector.slowStep("train", seconds: 31, history: [10, 9, 11, 10]) != nil)
        #expect(HistoryAnomalyDetector.slowStep("train", seconds: 29, history: [10, 9, 11, 10]) == nil)     // 2.9×
        #expect(HistoryAnomalyDetector.slowStep("train", seconds: 0.04, history: [0.01, 0.01, 0.01]) == nil) // 4× but +30 ms
        #expect(HistoryAnomalyDetector.slowStep("train", seconds: 100, history: [10, 10]) == nil)            // 2 runs: too few
        // One old outlier does not hide a slow run (median, not mean).
        let a = HistoryAnomalyDetector.slowStep("train", seconds: 40, history: [10, 10, 10, 500])
        #expect(a?.typical == 10)
        #expect(a?.kind == .slowStep)
    }

    @Test("a span with far fewer rows than usual is flagged")
    func fewRows() {
        #expect(HistoryAnomalyDetector.fewRows(dataset: "d", span: 4, rows: 500, history: [1_000, 1_100, 900]) != nil)
        #expect(HistoryAnomalyDetector.fewRows(dataset: "d", span: 4, rows: 700, history: [1_000, 1_100, 900]) == nil)
        #expect(HistoryAnomalyDetector.fewRows(dataset: "d", span: 1, rows: 1, history: []) == nil)
    }

    @Test("a metric worse than its history by more than the tolerance is flagged, in its direction")
    func metricRegression() {
        #expect(HistoryAnomalyDetector.metricRegression("rmse", value: 12, history: [10, 10], direction: .lowerIsBetter) != nil)
        #expect(HistoryAnomalyDetector.metricRegression("rmse", value: 10.5, history: [10, 10], direction: .lowerIsBetter) == nil)
        #expect(HistoryAnomalyDetector.metricRegression("rmse", value: 5, history: [10, 10], direction: .lowerIsBetter) == nil)
        #expect(HistoryAnomalyDetector.metricRegression("auc", value: 0.6, history: [0.8], direction: .higherIsBetter) != nil)
        #expect(HistoryAnomalyDetector.metricRegression("thing", value: 0, history: [1], direction: nil) == nil)
        #expect(HistoryAnomalyDetector.direction(of: "val_rmse") == .lowerIsBetter)
        #expect(HistoryAnomalyDetector.direction(of: "AUC") == .higherIsBetter)
    }

    @Test("the store finds a slow step, a small span and a regressed metric from its own history")
    func fromStore() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        for i in 1...4 {
            let run = "r\(i)"
            let start = Double(i) * 1_000
            let trainSeconds = i == 4 ? 50.0 : 10.0
            await store.record(.run(RunRecord(id: run, pipeline: "p", status: "succeeded", startedAt: start)))
            await store.record(.step(StepRecord(runID: run, name: "train", kind: "train", status: "succeeded",
                                                startedAt: start, finishedAt: start + trainSeconds)))
            await store.record(.step(StepRecord(runID: run, name: "validate", kind: "validate", status: "succeeded",
                                                startedAt: start, finishedAt: start + 2)))
            await store.record(.span(DatasetSpan(dataset: "d", span: i, digest: "sha256:\(i)", rows: i == 4 ? 300 : 1_000, createdAt: start)))
            await store.record(.lineage(LineageEdge(runID: run, step: "validate", digest: "sha256:\(i)", direction: .read, at: start)))
            await store.record(.metric(runID: run, MetricPoint(key: "rmse", value: i == 4 ? 15 : 10, timestamp: start)))
            await store.record(.metric(runID: run, MetricPoint(key: "r2", value: 0.9, timestamp: start)))
        }
        try await store.flush()
        let found = try await store.anomalies(runID: "r4")
        #expect(Set(found.map(\.kind)) == [.slowStep, .fewRows, .metricRegression])
        #expect(found.first { $0.kind == .slowStep }?.subject == "train")
        #expect(found.first { $0.kind == .fewRows }?.subject == "d/span 4")
        #expect(found.first { $0.kind == .metricRegression }?.subject == "rmse")
        #expect(try await store.anomalies(runID: "r3").isEmpty)
        #expect(try await store.anomalies(dataset: "d", span: 4).count == 1)
    }
}
