import DroverCore
@testable import DroverStore
import Foundation
import GRDB
import Testing

@Suite("Model registry")
struct ModelRegistryTests {
    struct Env {
        let dir: TempDir
        let store: MetadataStore
        let registry: ModelRegistry

        init(failAfterVerdict: (@Sendable () throws -> Void)? = nil) throws {
            dir = try TempDir()
            store = try MetadataStore(dataDirectory: dir.path)
            let clock = FakeClock(1_000)
            registry = ModelRegistry(store: store, clock: { clock.next() }, failAfterVerdict: failAfterVerdict)
        }

        func version(_ metrics: [String: Double], run: String? = nil) async throws -> ModelVersion {
            try await registry.registerVersion(model: "churn", artifactDigest: "sha256:\(UUID().uuidString)", metrics: metrics, runID: run)
        }
    }

    static let policy = PromotionPolicy(thresholds: [
        MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 100), change: .notWorse(.lowerIsBetter)),
    ])

    func verdict(_ candidate: ModelVersion, _ champion: ModelVersion?) throws -> Verdict {
        try VerdictEvaluator.evaluate(policy: Self.policy, candidate: candidate.metrics, baseline: champion?.metrics)
    }

    @Test("serving events: recorded once per key (racing replicas), read per model and after an id, append-only")
    func servingEvents() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        let srm = ModelEvent(model: "churn", kind: .sampleRatioMismatch, version: 2, toVersion: nil, rolloutID: 7, actor: "rollout 7", reason: "ratio")
        let first = try #require(try await env.registry.recordEvent(srm, key: "rollout-7/srm"))
        #expect(try await env.registry.recordEvent(srm, key: "rollout-7/srm") == nil) // the other replica
        let other = ModelEvent(model: "fraud", kind: .championRollback, version: 3, toVersion: 2, rolloutID: nil, actor: "guard", reason: "failing")
        let second = try #require(try await env.registry.recordEvent(other, key: nil))
        #expect(try await env.registry.events().map(\.id) == [first.id, second.id])
        #expect(try await env.registry.events(model: "churn").map(\.kind) == [.sampleRatioMismatch])
        #expect(try await env.registry.events(after: first.id) == [second])
        #expect(try await env.registry.lastEventID() == second.id)
        #expect(throws: (any Error).self) {
            try DatabaseQueue(path: env.store.path).write { db in try db.execute(sql: "DELETE FROM model_events") }
        }
    }

    @Test("versions are numbered 1, 2, … per model and are immutable")
    func versions() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        let v1 = try await env.version(["rmse": 10])
        let v2 = try await env.version(["rmse": 9])
        #expect(v1.version == 1 && v2.version == 2)
        #expect(try await env.registry.versions(model: "churn").map(\.version) == [2, 1])
        #expect(try await env.registry.version(model: "churn", 1).metrics == ["rmse": 10])
        // The table refuses an update even from raw SQL.
        #expect(throws: DatabaseError.self) {
            try DatabaseQueue(path: env.store.path).write { db in
                try db.execute(sql: "UPDATE model_versions SET artifact_digest = 'x' WHERE version = 1")
            }
        }
        // A repeated source key (a resumed run) returns the same version.
        let a = try await env.registry.registerVersion(model: "churn", artifactDigest: "sha256:k", metrics: [:], runID: "r", sourceKey: "r/train")
        let b = try await env.registry.registerVersion(model: "churn", artifactDigest: "sha256:k", metrics: [:], runID: "r", sourceKey: "r/train")
        #expect(a.version == 3 && b.version == 3)
    }

    @Test("a pipeline's promotion needs the champion it compared with: one that moved meanwhile stays")
    func baselineMustBeCurrent() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        let v1 = try await env.version(["rmse": 50]), v2 = try await env.version(["rmse": 40]), v3 = try await env.version(["rmse": 45])
        _ = try await env.registry.promote(PromotionRequest(model: "churn", version: 1, verdict: try verdict(v1, nil), actor: "t",
                                                            requestKey: "r1/promote", requireBaselineCurrent: true))
        // Runs 2 and 3 both started against v1; run 2 promotes first.
        let r2 = try await env.registry.promote(PromotionRequest(model: "churn", version: 2, verdict: try verdict(v2, v1), baselineVersion: 1,
                                                                 actor: "t", requestKey: "r2/promote", requireBaselineCurrent: true))
        #expect(r2.moved)
        let r3 = try await env.registry.promote(PromotionRequest(model: "churn", version: 3, verdict: try verdict(v3, v1), baselineVersion: 1,
                                                                 actor: "t", requestKey: "r3/promote", requireBaselineCurrent: true))
        #expect(!r3.moved && r3.verdict?.verdict.passed == true, "passed against v1, never compared with v2")
        #expect(r3.note?.contains("moved to version 2") == true, "\(r3.note ?? "")")
        #expect(try await env.registry.champion(model: "churn")?.version == 2)
        #expect(try await env.registry.aliasHistory(model: "churn").count == 2)
    }

    @Test("a passing verdict moves champion and is stored with the audited move")
    func promotePassing() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        let v1 = try await env.version(["rmse": 50])
        let r = try await env.registry.promote(PromotionRequest(model: "churn", version: 1, verdict: try verdict(v1, nil),
                                                                runID: "run-1", actor: "pipeline"))
        #expect(r.moved)
        #expect(r.move?.kind == .promote)
        #expect(r.move?.fromVersion == nil)
        #expect(r.move?.verdictID == r.verdict?.id)
        #expect(try await env.registry.resolve(model: "churn", alias: "champion").version == 1)
        #expect(try await env.registry.verdicts(runID: "run-1").count == 1)
    }

    @Test("a failing verdict is stored but champion does not move")
    func rejectFailing() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        let v1 = try await env.version(["rmse": 50])
        _ = try await env.registry.promote(PromotionRequest(model: "churn", version: 1, verdict: try verdict(v1, nil), actor: "p"))
        let v2 = try await env.version(["rmse": 60])
        let r = try await env.registry.promote(PromotionRequest(model: "churn", version: 2, verdict: try verdict(v2, v1),
                                                                baselineVersion: 1, actor: "p"))
        #expect(!r.moved)
        #expect(r.verdict?.verdict.passed == false)
        #expect(try await env.registry.resolve(model: "churn", alias: "champion").version == 1)
        #expect(try await env.registry.verdicts(model: "churn", version: 2).count == 1)
        #expect(try await env.registry.aliasHistory(model: "churn").count == 1)
    }

    @Test("promotion without a passing verdict needs force and a reason, and is recorded as forced")
    func forced() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        _ = try await env.version(["rmse": 500])
        await #expect(throws: RegistryError.verdictRequired(model: "churn", version: 1)) {
            try await env.registry.promote(PromotionRequest(model: "churn", version: 1, actor: "ann"))
        }
        await #expect(throws: RegistryError.reasonRequired(model: "churn", version: 1)) {
            try await env.registry.promote(PromotionRequest(model: "churn", version: 1, actor: "ann", reason: "  ", force: true))
        }
        let r = try await env.registry.promote(PromotionRequest(model: "churn", version: 1, actor: "ann",
                                                                reason: "schema changed, metrics not comparable", force: true))
        #expect(r.move?.kind == .forced)
        let history = try await env.registry.aliasHistory(model: "churn", alias: "champion")
        #expect(history.map(\.actor) == ["ann"])
        #expect(history.map(\.reason) == ["schema changed, metrics not comparable"])
    }

    @Test("every alias move is audited with who, when, why and the previous version; rollback undoes the last move")
    func rollback() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        let v1 = try await env.version(["rmse": 50])
        let v2 = try await env.version(["rmse": 40])
        _ = try await env.registry.promote(PromotionRequest(model: "churn", version: 1, verdict: try verdict(v1, nil), actor: "p"))
        _ = try await env.registry.promote(PromotionRequest(model: "churn", version: 2, verdict: try verdict(v2, v1), actor: "p"))
        let back = try await env.registry.rollback(model: "churn", actor: "bob", reason: "bad predictions")
        #expect(back.fromVersion == 2 && back.toVersion == 1 && back.kind == .rollback)
        #expect(try await env.registry.resolve(model: "churn", alias: "champion").version == 1)
        let history = try await env.registry.aliasHistory(model: "churn", alias: "champion")
        #expect(history.map(\.kind) == [.promote, .promote, .rollback])
        #expect(history.map(\.fromVersion) == [nil, 1, 2])
        #expect(history.map(\.toVersion) == [1, 2, 1])
        #expect(history.last?.actor == "bob")
        #expect(history.last?.reason == "bad predictions")
        #expect(history.map(\.at) == history.map(\.at).sorted())
        // The audit table is append-only.
        #expect(throws: DatabaseError.self) {
            try DatabaseQueue(path: env.store.path).write { db in try db.execute(sql: "DELETE FROM alias_moves") }
        }
        // A first promotion has nothing to roll back to.
        let other = try await env.registry.registerVersion(model: "fraud", artifactDigest: "sha256:f", metrics: ["rmse": 1], runID: nil)
        _ = try await env.registry.promote(PromotionRequest(model: "fraud", version: 1, verdict: try verdict(other, nil), actor: "p"))
        await #expect(throws: RegistryError.nothingToRollBack(model: "fraud", alias: "champion")) {
            try await env.registry.rollback(model: "fraud", actor: "bob", reason: "x")
        }
    }

    @Test("promotion is atomic with its verdict: a failure between the two leaves neither")
    func atomic() async throws {
        struct Crash: Error {}
        let env = try Env(failAfterVerdict: { throw Crash() })
        defer { env.dir.cleanup() }
        let v1 = try await env.version(["rmse": 50])
        await #expect(throws: Crash.self) {
            try await env.registry.promote(PromotionRequest(model: "churn", version: 1, verdict: try verdict(v1, nil), actor: "p"))
        }
        #expect(try await env.registry.verdicts(model: "churn").isEmpty)
        #expect(try await env.registry.aliasHistory(model: "churn").isEmpty)
        #expect(try await env.registry.champion(model: "churn") == nil)
    }

    @Test("a repeated request key (a resumed run) never promotes twice")
    func idempotent() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        let v1 = try await env.version(["rmse": 50])
        let v2 = try await env.version(["rmse": 40])
        _ = try await env.registry.promote(PromotionRequest(model: "churn", version: 1, verdict: try verdict(v1, nil), actor: "p"))
        let request = PromotionRequest(model: "churn", version: 2, verdict: try verdict(v2, v1), baselineVersion: 1,
                                       runID: "r2", actor: "p", requestKey: "r2/promote")
        let first = try await env.registry.promote(request)
        _ = try await env.registry.rollback(model: "churn", actor: "bob", reason: "oops")
        let again = try await env.registry.promote(request)
        #expect(first.moved && !first.replayed)
        #expect(again.replayed && again.move == first.move)
        #expect(try await env.registry.resolve(model: "churn", alias: "champion").version == 1) // rollback stands
        #expect(try await env.registry.verdicts(model: "churn").count == 2)
    }

    @Test("aliases follow MLflow's rules; champion moves only by promotion")
    func aliasRules() async throws {
        let env = try Env()
        defer { env.dir.cleanup() }
        _ = try await env.version(["rmse": 50])
        for bad in ["latest", "v3", "a b", ""] {
            await #expect(throws: RegistryError.self) {
                try await env.registry.setAlias(model: "churn", alias: bad, version: 1, actor: "a", reason: "r")
            }
        }
        await #expect(throws: RegistryError.championNeedsPromotion) {
            try await env.registry.setAlias(model: "churn", alias: "champion", version: 1, actor: "a", reason: "r")
        }
        let move = try await env.registry.setAlias(model: "churn", alias: "challenger", version: 1, actor: "a", reason: "shadow")
        #expect(move.kind == .set)
        #expect(try await env.registry.version(model: "churn", 1).aliases == ["challenger"])
        await #expect(throws: RegistryError.unknownVersion(model: "churn", version: 9, latest: 1)) {
            try await env.registry.setAlias(model: "churn", alias: "challenger", version: 9, actor: "a", reason: "r")
        }
        await #expect(throws: RegistryError.unknownModel("nope", known: ["churn"])) {
            try await env.registry.resolve(model: "nope", alias: "champion")
        }
    }
}

/// A monotonic fake clock shared with the registry's `@Sendable` closure.
final class FakeClock: @unchecked Sendable { // `lock` guards `value`
    private let lock = NSLock()
    private var value: Double
    init(_ start: Double) { value = start }
    func next() -> Double {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value
    }
}
