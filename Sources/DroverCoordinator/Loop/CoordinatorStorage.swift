import DroverStore

/// The coordinator's files: the locked data directory and its journal. Opened on the socket
/// thread (SQLite calls block) and owned by the handler for the life of the loop; the lock is
/// released when it goes.
final class CoordinatorStorage {
    let directory: DataDirectory
    let journal: SQLiteJournal

    init(options: CoordinatorOptions) throws(CoordinatorError) {
        do {
            directory = try DataDirectory(path: options.dataDirectory)
            try directory.lock()
        } catch {
            throw .dataDirectory(path: options.dataDirectory, cause: error)
        }
        do {
            journal = try SQLiteJournal(path: directory.journalPath, durability: options.durability)
        } catch {
            throw .journalUnavailable(path: directory.journalPath, cause: error)
        }
    }
}
