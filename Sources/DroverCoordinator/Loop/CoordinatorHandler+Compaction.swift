import DroverStore

/// Journal compaction seen from the loop: start a snapshot in the background once enough
/// records were committed since the last one, pick up its outcome, and delete the rows it
/// covers a few at a time (docs/architecture.md, "Journal compaction").
extension CoordinatorHandler {
    static func makeCompactor(journal: SQLiteJournal, options: CoordinatorOptions, failpoint: Failpoint) -> JournalCompactor {
        let crashStep = failpoint.crashInSnapshot
        return JournalCompactor(journalPath: journal.path, retainFinished: options.core.retainFinished) { step in
            if step.rawValue == crashStep { Failpoint.crash("crash-in-snapshot:\(step.rawValue)") }
        }
    }

    /// After each commit of `records` records.
    func noteCommitted(records: Int) {
        recordsSinceSnapshot += records
        guard options.compactEvery > 0, recordsSinceSnapshot >= options.compactEvery, !compactor.isRunning else { return }
        let began = ContinuousClock.now
        if compactor.start(through: journal.lastSeq) { recordsSinceSnapshot = 0 }
        compactionLoopMax = max(compactionLoopMax, ContinuousClock.now - began)
    }

    /// On every tick: take a finished compaction's outcome and delete covered rows when idle.
    func tendCompaction() {
        let began = ContinuousClock.now
        defer { compactionLoopMax = max(compactionLoopMax, ContinuousClock.now - began) }
        switch compactor.takeFinished() {
        case .success(let outcome)?:
            journal.snapshotWritten(coveredSeq: outcome.coveredSeq)
            logger.info("coordinator.journal.snapshot", metadata: [
                "covered_row": "\(outcome.coveredSeq)", "records": "\(outcome.records)", "kept_jobs": "\(outcome.keptJobs)",
                "compacted_jobs": "\(outcome.compactedJobs)", "bytes": "\(outcome.bytes)", "took": "\(outcome.duration)",
            ])
        case .failure(let error)?:
            // The journal is still complete: the next threshold tries again.
            logger.error("coordinator.journal.snapshot_failed", metadata: ["error": "\(error)"])
        case nil:
            break
        }
        do {
            try journal.truncateStep()
        } catch {
            logger.error("coordinator.journal.truncate_failed", metadata: ["error": "\(error)"])
        }
    }
}
