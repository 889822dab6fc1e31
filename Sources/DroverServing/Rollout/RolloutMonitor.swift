import DroverCore
import DroverStore
import Foundation
import Logging
import Synchronization

/// Runs in every `drover serve`: flushes the prediction log, reads the running rollout's arms,
/// judges them and applies the decision — a verdict stored like a pipeline's, then promotion
/// (with auto-promote) or the end of the challenger's traffic. Replicas race safely: the first
/// to end the rollout records the verdict; promotion is keyed by the rollout.
public final class RolloutMonitor: Sendable {
    let service: ModelService
    let logger: Logger
    let judges = Mutex<[Int64: RolloutJudge]>([:])
    /// Rollouts whose sample-ratio alarm is already recorded (by this replica or another).
    let alarmed = Mutex<Set<Int64>>([])
    /// Called with each applied decision (event stream, webhook).
    let onDecision: @Sendable (Rollout, RolloutJudge.Judgement) -> Void

    public init(service: ModelService, logger: Logger, onDecision: @escaping @Sendable (Rollout, RolloutJudge.Judgement) -> Void = { _, _ in }) {
        self.service = service
        self.logger = logger
        self.onDecision = onDecision
    }

    var store: RolloutStore { service.rollouts }
    var registry: ModelRegistry { service.catalog.registry }

    public func run(every interval: Duration) async {
        while !Task.isCancelled {
            await service.checkGuard()
            do { _ = try await tick() } catch {
                logger.warning("rollout.monitor.failed", metadata: ["model": "\(service.name)", "error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
        try? await store.flush()
    }

    /// One look; returns the judgement when a rollout is running.
    @discardableResult
    public func tick() async throws -> RolloutJudge.Judgement? {
        try await store.flush()
        guard let rollout = try await store.running(model: service.name) else { return nil }
        let arms = try await store.summaries(rollout)
        let (judgement, verdict) = judges.withLock { all -> (RolloutJudge.Judgement, Verdict) in
            var judge = all[rollout.id] ?? RolloutJudge(rollout)
            let j = judge.judge(arms)
            all[rollout.id] = judge
            return (j, judge.verdict(j))
        }
        if judgement.srm.mismatch, alarmed.withLock({ $0.insert(rollout.id).inserted }) {
            try await registry.recordEvent(ModelEvent(model: rollout.model, kind: .sampleRatioMismatch, version: rollout.challengerVersion,
                                                      toVersion: nil, rolloutID: rollout.id, actor: "rollout \(rollout.id)", reason: judgement.note),
                                           key: "rollout-\(rollout.id)/srm")
        }
        guard judgement.action != .none else { return judgement }
        try await apply(judgement, verdict: verdict, rollout: rollout)
        return judgement
    }

    private func apply(_ j: RolloutJudge.Judgement, verdict: Verdict, rollout r: Rollout) async throws {
        let now = Date().timeIntervalSince1970
        let status: Rollout.Status = j.action == .promote ? (r.autoPromote ? .promoted : .challengerBetter) : .rolledBack
        guard try await store.end(id: r.id, status: status, reason: j.note, verdictID: nil, at: now) else { return }
        var reason = j.note
        let verdictID: Int64?
        var promoted = false
        if status == .promoted {
            let result = try await registry.promote(PromotionRequest(
                model: r.model, version: r.challengerVersion, verdict: verdict, baselineVersion: r.championVersion,
                actor: "rollout \(r.id)", reason: "online test: \(j.note)", requestKey: "rollout-\(r.id)/decision",
                requireBaselineCurrent: true))
            verdictID = result.verdict?.id
            promoted = result.moved
            if !result.moved, let note = result.note { reason += "; not promoted: \(note)" }
        } else {
            verdictID = try await registry.recordVerdict(model: r.model, candidateVersion: r.challengerVersion,
                                                         baselineVersion: r.championVersion, verdict: verdict,
                                                         runID: nil).id
        }
        try await store.annotate(id: r.id, reason: reason, verdictID: verdictID)
        let kind: ModelEvent.Kind = promoted ? .rolloutPromoted : status == .rolledBack ? .rolloutRolledBack : .rolloutChallengerBetter
        try await registry.recordEvent(ModelEvent(model: r.model, kind: kind, version: r.challengerVersion,
                                                  toVersion: promoted ? r.challengerVersion : r.championVersion, rolloutID: r.id,
                                                  actor: "rollout \(r.id)", reason: reason, verdictID: verdictID),
                                       key: "rollout-\(r.id)/decision")
        logger.notice("rollout.decided", metadata: ["model": "\(r.model)", "rollout": "\(r.id)", "status": "\(status.rawValue)",
                                                     "reason": "\(reason)"])
        onDecision(r, j)
        try await service.refresh()
    }
}
