import DroverCore
import DroverProtocol
import Foundation

/// Data-parallel train steps: the runner starts a `TrainingSession` for each, gives its shard
/// jobs the session's endpoint, runs a shard's job again elsewhere when the session says the
/// shard stopped answering, and ends the session once the step is no longer running.
extension LoopState {
    static let shardKind = "train-shard"

    /// Adds `trainer` and `session` to shard jobs, starting their step's session first.
    mutating func attachTraining(_ jobs: [PlannedJob], run: String) -> [PlannedJob] {
        var out: [PlannedJob] = []
        for var job in jobs {
            if job.kind == Self.shardKind, let session = session(for: job, run: run) {
                job.params["trainer"] = session.endpoint
                job.params["session"] = session.id
            }
            out.append(job)
        }
        return out
    }

    private mutating func session(for job: PlannedJob, run: String) -> TrainingSession? {
        let key = "\(run)/\(job.step)"
        if let s = sessions[key] { return s }
        do {
            let s = try TrainingSession(key: key, shards: Int(job.params["shards"] ?? "") ?? 1, params: job.params,
                                        host: runner.options.trainingHost, security: runner.options.training,
                                        artifacts: runner.artifacts, logger: logger)
            sessions[key] = s
            return s
        } catch {
            logger.error("pipeline.training.unstarted", metadata: ["step": "\(key)", "error": "\(error)"])
            return nil
        }
    }

    /// Re-runs the jobs of shards their session gave up waiting for; ends finished sessions.
    mutating func serveTraining() {
        for (key, session) in sessions {
            let parts = key.split(separator: "/").map(String.init)
            let (run, step) = (parts.dropLast().joined(separator: "/"), parts.last ?? "")
            guard let entry = live[run], entry.planner.steps[step]?.status == .running else {
                session.stop()
                sessions[key] = nil
                continue
            }
            for shard in session.takeReassignments() { reassign(shard: shard, step: step, run: run, session: session) }
        }
    }

    /// Submits the shard's job again under a new idempotency key (the coordinator places it on
    /// any worker), cancels the old one and stops listening to it: whichever answers the session
    /// is the shard.
    private mutating func reassign(shard: Int, step: String, run: String, session: TrainingSession) {
        guard let client, let entry = live[run] else { return }
        let plannerKey = "\(run)/\(step)/\(shard)"
        var planned: PlannedJob?
        for case .submit(let jobs) in entry.planner.pending() {
            if let j = jobs.first(where: { $0.key == plannerKey }) { planned = j }
        }
        guard var job = planned else { return }
        job.params["trainer"] = session.endpoint
        job.params["session"] = session.id
        let count = (reassigned[plannerKey] ?? 0) + 1
        reassigned[plannerKey] = count
        let old = watching.filter { $0.value.key == plannerKey && $0.value.run == run }.map(\.key)
        do {
            let ids = try client.submit([JobSpec(kind: job.kind, params: job.params, maxRetries: 1,
                                                 idempotencyKey: "pipeline:\(plannerKey)@\(session.id)/r\(count)")])
            for id in old {
                watching[id] = nil
                _ = try? client.command(CancelJob(id: id))
            }
            watching[ids[0]] = (run, plannerKey)
            live[run]?.record.jobIDs[plannerKey] = ids[0]
            save(run)
            try client.rewatch(ids)
            logger.warning("pipeline.training.reassigned", metadata: ["step": "\(run)/\(step)", "shard": "\(shard)",
                                                                      "old": "\(old)", "new": "\(ids[0])"])
        } catch {
            logger.error("pipeline.training.reassign.failed", metadata: ["step": "\(run)/\(step)", "error": "\(error)"])
        }
    }
}

extension LoopState {
    /// Ends every session (the runner is stopping).
    mutating func stopTraining() {
        for session in sessions.values { session.stop() }
        sessions = [:]
    }
}
