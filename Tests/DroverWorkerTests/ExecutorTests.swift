import DroverML
import DroverProtocol
@testable import DroverWorker
import Foundation
import Testing

@Suite("Executors: cancellation and attempt outputs", .timeLimit(.minutes(2)))
struct ExecutorTests {
    /// A fresh directory with a small deterministic binary-classification CSV (`data.csv`).
    static func workspace(rows: Int = 2_000) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var csv = "a,b,c,label\n"
        for _ in 0..<rows {
            let a = next(), b = next(), c = next()
            csv += "\(a),\(b),\(c),\(a + 0.5 * b + 0.2 * next() > 0.8 ? 1 : 0)\n"
        }
        try csv.write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    static func trainJob(_ dir: URL, attempt: UInt32 = 1, trees: Int = 5,
                         cancellation: CancellationToken = CancellationToken()) -> JobContext {
        JobContext(jobID: 7, attempt: attempt, kind: "train", params: [
            "data": dir.appendingPathComponent("data.csv").path, "label": "label", "trees": "\(trees)",
            "out": dir.appendingPathComponent("model.json").path,
        ], cancellation: cancellation)
    }

    static func files(_ dir: URL) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
    }

    @Test("a ten-minute sleep ends with Cancelled once its token is tripped")
    func sleepHonoursToken() async throws {
        let token = CancellationToken()
        let job = JobContext(jobID: 1, attempt: 1, kind: "sleep", params: ["ms": "600000"], cancellation: token)
        let run = Task { try await SleepExecutor().run(job) }
        token.cancel()
        await #expect(throws: Cancelled.self) { try await run.value }
    }

    @Test("train writes its model under a temporary name and renames it: no temporary file is left")
    func trainRenamesOnSuccess() async throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let metrics = try await TrainExecutor().run(Self.trainJob(dir))
        #expect(metrics["train_rows"] == 2_000)
        #expect(try Self.files(dir) == ["data.csv", "model.json", ".model.json.lock", ".model.json.attempt"])
        let output = AttemptOutput(path: dir.appendingPathComponent("model.json").path, jobID: 7, attempt: 1)
        #expect(output.lastWriter()?.job == 7 && output.lastWriter()?.attempt == 1)
    }

    @Test("a cancelled train attempt stops and writes no model")
    func cancelledTrainWritesNothing() async throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let token = CancellationToken()
        token.cancel()
        await #expect(throws: (any Error).self) { try await TrainExecutor().run(Self.trainJob(dir, cancellation: token)) }
        #expect(try Self.files(dir) == ["data.csv"])
    }

    @Test("an older attempt never overwrites the output of a newer attempt of the same job")
    func staleAttemptIsFenced() async throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await TrainExecutor().run(Self.trainJob(dir, attempt: 2, trees: 3))
        let model = dir.appendingPathComponent("model.json")
        let newer = try Data(contentsOf: model)
        await #expect(throws: JobFailure.self) {
            try await TrainExecutor().run(Self.trainJob(dir, attempt: 1, trees: 8))
        }
        #expect(try Data(contentsOf: model) == newer)
        #expect(!(try Self.files(dir)).contains { $0.hasSuffix(".tmp") })
    }

    @Test("every built-in kind is announced, and the immediate ones are marked")
    func registryKinds() {
        let r = ExecutorRegistry.builtins
        #expect(r.kinds == ["echo", "evaluate", "fail", "features", "fetch", "noop", "sleep", "stats", "train", "train-shard"])
        #expect(r.immediateKinds == ["echo", "fail", "noop"])
    }
}
