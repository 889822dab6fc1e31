import DroverCore
import DroverProtocol
import DroverStore

/// Reads a coordinator's journal after the fact and checks the exactly-once invariants.
struct JournalAudit {
    var submitted: Set<JobID> = []
    var finished: [JobID: Int] = [:]
    var finalState: [JobID: JobState] = [:]
    /// Jobs held as poison (and not released) at the end of the journal.
    var held: Set<JobID> = []
    /// Attempts ended without a result and re-queued (worker lost, handed back, retry).
    var requeues = 0
    /// Re-queued attempts that had started running (their worker was lost mid-job).
    var rerunsAfterWorkerLoss = 0

    init(dataDir: String) throws {
        let journal = try SQLiteJournal(path: DataDirectory(path: dataDir).journalPath)
        try journal.replay { record in
            switch record {
            case .submitted(let id, _, _): submitted.insert(id)
            case .finished(let id, _, let state, _, _, _):
                finished[id, default: 0] += 1
                finalState[id] = state
            case .cancelled(let id, _): finalState[id] = .cancelled
            case .requeued(_, let cause, _, _, _):
                requeues += 1
                if cause == .workerLost { rerunsAfterWorkerLoss += 1 }
            case .held(let id, _, _): held.insert(id)
            case .released(let id, _): held.remove(id)
            default: break
            }
        }
    }

    /// Jobs with more than one committed result.
    var duplicates: [JobID] { finished.filter { $0.value > 1 }.map(\.key).sorted() }
    /// Accepted jobs without a final result that are not held.
    var unfinished: [JobID] { submitted.filter { finalState[$0] == nil && !held.contains($0) }.sorted() }
    func count(_ state: JobState) -> Int { finalState.values.filter { $0 == state }.count }
}
