import DroverCore
@testable import DroverStore
import Foundation
import GRDB
import Testing

@Suite("Metadata store")
struct MetadataStoreTests {
    @Test("migrations run from an empty file and are recorded in order")
    func migrationsFromEmpty() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        #expect(try await store.appliedMigrations() == ["v1-tracking", "v1-registry", "v2-step-cache", "v3-api-access", "v4-model-events", "v5-runs-by-start", "v6-metric-blocks"])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/metadata.sqlite"))
        store.close()
        // Reopening migrates nothing twice and keeps the data.
        let again = try MetadataStore(dataDirectory: dir.path)
        #expect(try await again.appliedMigrations() == ["v1-tracking", "v1-registry", "v2-step-cache", "v3-api-access", "v4-model-events", "v5-runs-by-start", "v6-metric-blocks"])
        let tables = try await DatabaseQueue(path: dir.path + "/metadata.sqlite").read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        for t in ["runs", "steps", "job_attempts", "params", "metrics", "metric_blocks", "artifacts", "lineage", "dataset_spans",
                  "models", "model_versions", "aliases", "alias_moves", "verdicts"] {
            #expect(tables.contains(t), "missing table \(t)")
        }
    }

    @Test("runs, steps, attempts, params, metrics and lineage round-trip through the writer thread")
    func roundTrip() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        await store.record(.run(RunRecord(id: "r1", pipeline: "churn", startedAt: 100, codeVersion: "abc")))
        await store.record(.step(StepRecord(runID: "r1", name: "train", kind: "train", status: "running", startedAt: 101)))
        await store.record(.step(StepRecord(runID: "r1", name: "train", kind: "train", status: "succeeded", startedAt: 101, finishedAt: 105)))
        await store.record(.jobAttempt(JobAttemptRecord(runID: "r1", step: "train", jobID: 7, attempt: 1, shard: 0, worker: "w1",
                                                        status: "lost", startedAt: 101, finishedAt: 102)))
        await store.record(.jobAttempt(JobAttemptRecord(runID: "r1", step: "train", jobID: 7, attempt: 2, shard: 0, worker: "w2",
                                                        status: "succeeded", startedAt: 102, finishedAt: 105)))
        await store.record(.params(runID: "r1", ["depth": "6", "lr": "0.1"]))
        await store.record(.metrics(runID: "r1", [MetricPoint(key: "loss", value: 0.9, step: 1, timestamp: 102),
                                                  MetricPoint(key: "loss", value: 0.5, step: 2, timestamp: 103)]))
        await store.record(.metric(runID: "r1", MetricPoint(key: "rmse", value: 3.5, timestamp: 105)))
        await store.record(.artifact(ArtifactRecord(digest: "sha256:aa", size: 10, kind: "model", createdAt: 105)))
        await store.record(.lineage(LineageEdge(runID: "r1", step: "train", digest: "sha256:span", direction: .read, at: 101)))
        await store.record(.lineage(LineageEdge(runID: "r1", step: "train", digest: "sha256:aa", direction: .wrote, at: 105)))
        await store.record(.run(RunRecord(id: "r1", pipeline: "churn", status: "succeeded", startedAt: 100, finishedAt: 106)))
        try await store.flush()

        let run = try #require(try await store.run("r1"))
        #expect(run.status == "succeeded")
        #expect(run.finishedAt == 106)
        #expect(run.codeVersion == "abc") // kept across the status update
        let steps = try await store.steps(runID: "r1")
        #expect(steps.count == 1)
        #expect(steps[0].duration == 4)
        #expect(try await store.jobAttempts(runID: "r1").map(\.status) == ["lost", "succeeded"])
        #expect(try await store.params(runID: "r1") == ["depth": "6", "lr": "0.1"])
        #expect(try await store.metrics(runID: "r1", key: "loss").map(\.value) == [0.9, 0.5])
        #expect(try await store.latestMetrics(runID: "r1") == ["loss": 0.5, "rmse": 3.5])
        #expect(try await store.artifact("sha256:aa")?.kind == "model")
        #expect(try await store.lineage(runID: "r1").map(\.direction) == [.read, .wrote])
        #expect(try await store.lineage(digest: "sha256:aa").map(\.runID) == ["r1"])
        #expect(try await store.runs(pipeline: "churn").map(\.id) == ["r1"])
        #expect(try await store.runs(pipeline: "other").isEmpty)
    }

    @Test("params are immutable: a changed value is rejected and reported by flush, the rest is kept")
    func paramsImmutable() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        await store.record(.params(runID: "r", ["a": "1"]))
        await store.record(.params(runID: "r", ["a": "1"])) // same value: fine
        try await store.flush()
        await store.record(.params(runID: "r", ["a": "2", "b": "3"]))
        await store.record(.metric(runID: "r", MetricPoint(key: "m", value: 1, timestamp: 1)))
        await #expect(throws: MetadataStoreError.paramChanged(runID: "r", key: "a", old: "1", new: "2")) { try await store.flush() }
        #expect(try await store.params(runID: "r") == ["a": "1", "b": "3"])
        #expect(try await store.latestMetrics(runID: "r") == ["m": 1])
        try await store.flush() // the error was reported once
    }

    @Test("a span is never overwritten with another digest")
    func spansImmutable() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        await store.record(.span(DatasetSpan(dataset: "d", span: 1, digest: "sha256:1", rows: 10, createdAt: 1)))
        await store.record(.span(DatasetSpan(dataset: "d", span: 1, digest: "sha256:2", rows: 99, createdAt: 2)))
        await #expect(throws: MetadataStoreError.self) { try await store.flush() }
        #expect(try await store.spans(dataset: "d").map(\.digest) == ["sha256:1"])
    }

    @Test("a long batch of metrics with interleaved keys and sources arrives whole, every field kept")
    func longMetricsBatch() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        await store.record(.run(RunRecord(id: "r", pipeline: "p", startedAt: 1)))
        // Distinct keys, steps, times and sources.
        let count = 534
        let points = (0..<count).map { i in
            MetricPoint(key: "m\(i % 3)", value: Double(i) / 7, step: Int64(i), timestamp: 1_000 + Double(i), source: "s\(i % 2)")
        }
        await store.record(.metrics(runID: "r", points))
        try await store.flush()
        let stored = try await store.metrics(runID: "r")
        #expect(stored.count == count)
        #expect(Set(stored) == Set(points))
    }

    @Test("close commits what is queued")
    func closeDrains() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        for i in 0..<1_000 { await store.record(.metric(runID: "r", MetricPoint(key: "m", value: Double(i), step: Int64(i), timestamp: 0))) }
        store.close()
        #expect(!store.offer(.metric(runID: "r", MetricPoint(key: "m", value: 0, timestamp: 0))))
        let reopened = try MetadataStore(dataDirectory: dir.path)
        #expect(try await reopened.metrics(runID: "r").count == 1_000)
    }
}
