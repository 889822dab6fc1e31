/// Where the coordinator makes records durable. `append` returns only once the batch is
/// committed (the coordinator acknowledges nothing before that). The SQLite implementation
/// lives in DroverStore; `MemoryJournal` is the in-memory twin for unit tests.
public protocol Journal: AnyObject {
    /// Commits the records as one transaction (group commit).
    func append(_ records: [JournalRecord]) throws
    /// Every committed record, oldest first.
    func replay(_ body: (JournalRecord) throws -> Void) throws
    /// A short description for `drover status` (e.g. the file path).
    var summary: String { get }
}

/// An in-memory journal for tests of the state machine: survives a simulated restart when
/// the same instance is handed to the new core.
public final class MemoryJournal: Journal {
    public private(set) var batches: [[JournalRecord]] = []
    public init() {}
    public func append(_ records: [JournalRecord]) throws { batches.append(records) }
    public func replay(_ body: (JournalRecord) throws -> Void) throws {
        for b in batches { for r in b { try body(r) } }
    }
    public var summary: String { "memory" }

    /// Replaces everything with a snapshot (`JournalFold`), as `drover coordinator`'s journal
    /// compaction does on disk: tests check that a core recovered from it behaves the same.
    public func compact(retainFinished: Int) {
        var fold = JournalFold(retainFinished: retainFinished)
        for b in batches { for r in b { fold.add(r) } }
        fold.compact()
        batches = fold.records()
    }
}
