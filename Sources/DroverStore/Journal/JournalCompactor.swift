import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs `JournalCompaction`s one at a time on a thread of their own, so the coordinator's loop
/// only starts one and later picks up its outcome (a mutex-protected hand-off, no waiting).
/// Each keeps its fold for the next (memory: about the snapshot's kept jobs), so a compaction
/// reads only the rows since the last one; the first after a start reads the snapshot file.
public final class JournalCompactor: Sendable {
    private struct State {
        var running = false
        var finished: Result<JournalCompaction.Outcome, any Error>?
        /// The last successful compaction's fold (nil while one runs, or after a failure).
        var folded: JournalCompaction.Folded?
    }

    private let state = Mutex(State())
    private let journalPath: String
    private let retainFinished: Int
    private let step: @Sendable (JournalCompaction.Step) -> Void

    public init(journalPath: String, retainFinished: Int, at step: @escaping @Sendable (JournalCompaction.Step) -> Void = { _ in }) {
        self.journalPath = journalPath
        self.retainFinished = retainFinished
        self.step = step
    }

    public var isRunning: Bool { state.withLock { $0.running } }

    /// Starts compacting rows up to `through`; false if a compaction is still running. A `late`
    /// one (the journal ran ahead of compaction) runs at the loop's priority, not nice 10.
    @discardableResult
    public func start(through: Int64, late: Bool = false) -> Bool {
        let started = state.withLock { s -> (Bool, JournalCompaction.Folded?) in
            guard !s.running else { return (false, nil) }
            s.running = true
            defer { s.folded = nil }
            return (true, s.folded)
        }
        guard started.0 else { return false }
        let (path, retain, step, previous) = (journalPath, retainFinished, self.step, started.1)
        let thread = Thread { [self] in
            if !late { Self.lowerPriority() }
            let result = Result {
                try JournalCompaction.run(journalPath: path, through: through, retainFinished: retain, previous: previous, at: step)
            }
            self.state.withLock {
                $0.finished = result.map(\.outcome)
                $0.folded = try? result.get().folded
                $0.running = false
            }
        }
        thread.name = "drover.compactor"
        thread.start()
        return true
    }

    /// Compaction is background upkeep: at nice 10 the scheduler gives the coordinator's loop
    /// (and the workers beside it on a small machine) the CPU first, so a snapshot being written
    /// does not stretch loop steps and commits. But on a busy host nice 10 starves it, and every
    /// row appended meanwhile stays in the journal: a late compaction runs at nice 0 (each runs on
    /// a new thread, which starts at the loop's nice; an unprivileged thread cannot go back down).
    /// On Linux nice applies per thread: `who` 0 is the calling thread.
    private static func lowerPriority() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    /// The outcome of the last compaction, once (nil while running or if already taken).
    public func takeFinished() -> Result<JournalCompaction.Outcome, any Error>? {
        state.withLock { s in
            defer { s.finished = nil }
            return s.finished
        }
    }
}
