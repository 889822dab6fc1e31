import Foundation
import Synchronization

/// Runs `JournalCompaction`s one at a time on a thread of their own, so the coordinator's loop
/// only starts one and later picks up its outcome (a mutex-protected hand-off, no waiting).
public final class JournalCompactor: Sendable {
    private struct State {
        var running = false
        var finished: Result<JournalCompaction.Outcome, any Error>?
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

    /// Starts compacting rows up to `through`; false if a compaction is still running.
    @discardableResult
    public func start(through: Int64) -> Bool {
        let started = state.withLock { s -> Bool in
            guard !s.running else { return false }
            s.running = true
            return true
        }
        guard started else { return false }
        let (path, retain, step) = (journalPath, retainFinished, self.step)
        let thread = Thread { [self] in
            let result = Result { try JournalCompaction.run(journalPath: path, through: through, retainFinished: retain, at: step) }
            self.state.withLock {
                $0.finished = result
                $0.running = false
            }
        }
        thread.name = "drover.compactor"
        thread.start()
        return true
    }

    /// The outcome of the last compaction, once (nil while running or if already taken).
    public func takeFinished() -> Result<JournalCompaction.Outcome, any Error>? {
        state.withLock { s in
            defer { s.finished = nil }
            return s.finished
        }
    }
}
