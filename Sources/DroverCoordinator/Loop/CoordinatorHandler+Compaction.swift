import DroverCore
import DroverStore

/// The time the loop spent on each part of compaction, wall and CPU (logged at stop).
struct CompactionPauses {
    var start = LoopPauses()
    var truncate = LoopPauses()
    var vacuum = LoopPauses()
}

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

    /// A journal quiet for this long compacts what it has (at least `idleMinimumRecords`), so a
    /// coordinator restarted after a burst of work replays a snapshot, not the burst's rows.
    static let idleAfterMs: Int64 = 1_000
    static let idleMinimumRecords = 10_000
    /// Truncation and vacuum steps run on a tick until this much time is spent (each step is a
    /// transaction of its own, ~1–1.5 ms): 2 ms while jobs flow, 5 ms while more than
    /// `behindRows` covered rows wait, 4 ms once nothing was committed for `upkeepIdleAfterMs`.
    /// Commits delete nothing: with the step after each commit (`deleteCoveredRowsAfterCommit`),
    /// these are all of compaction's deletion on the loop, a tick being its budget plus the step
    /// that crosses it, under issue #7's 10 ms. Alone they fell behind at ~200,000 jobs/s
    /// (~600,000 records/s): 2 ms a tick deletes about a third of what is appended.
    ///
    /// History: one step per 50 ms tick deleted at most 20 rows a second: an idle coordinator
    /// left 1,195 rows a snapshot covered undeleted 13 s after it, and gave no free page back
    /// until they were gone (docs/performance.md, "Which file grows"). The idle budget was 8 ms:
    /// with the step that crosses it, a job submitted to an idle coordinator could wait 10 ms.
    static func upkeepBudget(idle: Bool, rowsBehind: Int64) -> Duration {
        if idle { return .milliseconds(4) }
        return rowsBehind > behindRows ? .milliseconds(5) : .milliseconds(2)
    }
    /// About 200,000 records (~8 MiB) in rows of a loaded coordinator's group commits.
    static let behindRows: Int64 = 32
    static let upkeepIdleAfterMs: Int64 = 100

    /// Whether a compaction starts late: twice the threshold was committed since the last one
    /// started, i.e. the last one took longer than the journal took to reach the threshold. A late
    /// one runs at the loop's priority: at nice 10 on a 2-core machine running the loop, two
    /// workers and a client, compactions took 4–12 s, and the journal grew to 145–188 MiB in a
    /// 3M-job run; at nice 0, 1.4–5.3 s and 60 MiB (docs/performance.md, "Which file grows").
    static func isLate(records: Int, threshold: Int) -> Bool {
        threshold > 0 && records >= 2 * threshold
    }

    /// After each commit of `records`.
    func noteCommitted(records: [JournalRecord]) {
        recordsSinceSnapshot += records.count
        for r in records {
            switch r {
            case .finished, .cancelled: endedSinceSnapshot += 1
            default: break
            }
        }
        lastCommitMs = clock.nowMs
        guard options.compactEvery > 0,
              Self.worthCompacting(records: recordsSinceSnapshot, ended: endedSinceSnapshot, atLeast: options.compactEvery)
        else { return }
        let timer = PauseTimer()
        startCompaction(reason: "threshold")
        compactionLoopPauses.add(timer.elapsed)
    }

    /// Whether a compaction would fold anything away. Only jobs that ended shrink the journal; a
    /// live job's records go into the snapshot as they are. So a journal of queued jobs is left
    /// alone however long it grows: compacting it saved no replay and doubled the coordinator's
    /// memory for 1M queued jobs (592 MiB against 326, release build), because the fold holds a
    /// copy of every kept job's records. At least one record in ten must end a job (a job that
    /// runs once writes about three).
    static func worthCompacting(records: Int, ended: Int, atLeast minimum: Int) -> Bool {
        records >= minimum && ended * 10 >= records
    }

    private func startCompaction(reason: String) {
        guard !compactor.isRunning else { return }
        let through = journal.lastSeq
        let late = Self.isLate(records: recordsSinceSnapshot, threshold: options.compactEvery)
        let timer = PauseTimer()
        guard compactor.start(through: through, late: late) else { return }
        compactionPauses.start.add(timer.elapsed)
        logger.info("coordinator.journal.compacting", metadata: [
            "reason": "\(reason)", "through_row": "\(through)", "records_since_snapshot": "\(recordsSinceSnapshot)",
            "late": "\(late)",
        ])
        recordsSinceSnapshot = 0
        endedSinceSnapshot = 0
    }

    /// After a commit of `appended` records whose messages are sent: while rows a snapshot covers
    /// wait, one truncation step in a transaction of its own, deleting rows holding up to twice
    /// what was appended (at least 4,096 records, at most 32,768, ~3 ms of CPU). The commit is not
    /// made longer and nothing it answers waits for it. The ticks' budgets alone (2–5 ms every 50
    /// ms) fell behind a saturated coordinator: in a 10M-job run the journal's rows peaked at
    /// 179 MiB against 93 MiB when commits deleted inside their own transaction (session 20).
    func deleteCoveredRowsAfterCommit(appended: Int) {
        guard journal.rowsAwaitingTruncation > 0 else { return }
        let timer = PauseTimer()
        do {
            try journal.truncateCovered(records: Self.deletionAfterCommit(appended: appended))
        } catch {
            logger.error("coordinator.journal.truncate_failed", metadata: ["error": "\(error)"])
        }
        let took = timer.elapsed
        compactionPauses.truncate.add(took)
        compactionLoopPauses.add(took)
    }

    static func deletionAfterCommit(appended: Int) -> Int64 {
        min(max(4_096, 2 * Int64(appended)), 32_768)
    }

    /// On every tick: take a finished compaction's outcome, delete covered rows, and compact a
    /// journal that has been quiet for `idleAfterMs`.
    func tendCompaction() {
        let timer = PauseTimer()
        var worked = false
        defer { if worked { compactionLoopPauses.add(timer.elapsed) } }
        if options.compactEvery > 0,
           Self.worthCompacting(records: recordsSinceSnapshot, ended: endedSinceSnapshot,
                                atLeast: min(Self.idleMinimumRecords, options.compactEvery)),
           clock.nowMs - lastCommitMs >= Self.idleAfterMs {
            startCompaction(reason: "idle")
            worked = true
        }
        let finished = compactor.takeFinished()
        worked = worked || finished != nil
        switch finished {
        case .success(let outcome)?:
            // What the previous snapshot's truncation left and how large the file grew: whether
            // deletion keeps up with appends (docs/performance.md, "Which file grows").
            let behind = journal.rowsAwaitingTruncation
            let file = try? journal.fileBytes()
            journal.snapshotWritten(coveredSeq: outcome.coveredSeq)
            logger.info("coordinator.journal.snapshot", metadata: [
                "covered_row": "\(outcome.coveredSeq)", "records": "\(outcome.records)", "kept_jobs": "\(outcome.keptJobs)",
                "compacted_jobs": "\(outcome.compactedJobs)", "bytes": "\(outcome.bytes)", "took": "\(outcome.duration)",
                "rows_left_to_delete": "\(behind)", "journal_bytes": "\(file?.total ?? -1)", "free_bytes": "\(file?.free ?? -1)",
            ])
        case .failure(let error)?:
            // The journal is still complete: the next threshold tries again.
            logger.error("coordinator.journal.snapshot_failed", metadata: ["error": "\(error)"])
        case nil:
            break
        }
        do {
            let idle = clock.nowMs - lastCommitMs >= Self.upkeepIdleAfterMs
            var cpu = PauseTimer.threadCPU()
            try journal.upkeep(for: Self.upkeepBudget(idle: idle, rowsBehind: journal.rowsAwaitingTruncation)) { work, took in
                let now = PauseTimer.threadCPU()
                let step = PauseTimer.Elapsed(wall: took, cpu: now - cpu)
                cpu = now
                worked = worked || work != .none
                switch work {
                case .truncated: compactionPauses.truncate.add(step)
                case .vacuumed: compactionPauses.vacuum.add(step)
                case .none: break
                }
            }
        } catch {
            logger.error("coordinator.journal.truncate_failed", metadata: ["error": "\(error)"])
        }
    }
}
