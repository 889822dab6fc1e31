import GRDBSQLite

/// Why the journal could not be read or written. A write failure is fatal to the coordinator
/// (fail-stop): its memory is then ahead of its disk, so it must not acknowledge anything more.
public enum JournalError: Error, CustomStringConvertible {
    case corrupt(path: String, batch: Int64, reason: String)
    case write(path: String, operation: String, failure: WriteFailure)

    /// What kind of write failure, from SQLite's extended result code: it decides what to tell the operator.
    public enum WriteKind: String, Sendable {
        /// SQLITE_FULL: the file system (or a quota) is full.
        case diskFull = "disk full"
        /// SQLITE_IOERR_*: the kernel reported an I/O error.
        case ioError = "I/O error"
        /// SQLITE_READONLY_DBMOVED: the journal file was deleted or renamed under the coordinator.
        case fileRemoved = "journal file removed"
        /// SQLITE_READONLY / SQLITE_CANTOPEN / SQLITE_PERM: permissions or a read-only mount.
        case notWritable = "not writable"
        /// SQLITE_BUSY / SQLITE_LOCKED: another process held a lock for too long.
        case locked = "locked by another process"
        case other = "write error"
    }

    public struct WriteFailure: Sendable, Equatable {
        public var kind: WriteKind
        /// SQLite's extended result code.
        public var code: Int32
        /// SQLite's own message.
        public var message: String

        public init(kind: WriteKind, code: Int32, message: String) {
            self.kind = kind
            self.code = code
            self.message = message
        }

        /// Classifies an extended result code (the primary code is its low byte).
        public init(code: Int32, message: String) {
            let kind: WriteKind = switch code & 0xFF {
            case SQLITE_FULL: .diskFull
            case SQLITE_IOERR: .ioError
            case SQLITE_READONLY where code == SQLITE_READONLY | (4 << 8): .fileRemoved // SQLITE_READONLY_DBMOVED
            case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM: .notWritable
            case SQLITE_BUSY, SQLITE_LOCKED: .locked
            default: .other
            }
            self.init(kind: kind, code: code, message: message)
        }

        /// What the operator should do about it.
        public var advice: String {
            switch kind {
            case .diskFull:
                "free space on the file system holding the data directory (df -h), then start the coordinator again"
            case .ioError:
                "the disk reported an error: check the kernel log (dmesg) and the device, then start the coordinator again"
            case .fileRemoved:
                "the journal was deleted or moved while the coordinator ran; restore the data directory from a backup "
                    + "or start over with an empty one"
            case .notWritable:
                "check the permissions of the data directory and that its file system is mounted read-write"
            case .locked:
                "another process held the journal locked; stop it (only the coordinator may write the journal)"
            case .other:
                "check the data directory's disk, then start the coordinator again"
            }
        }
    }

    /// The write failure, if this is one.
    public var writeFailure: WriteFailure? {
        if case .write(_, _, let failure) = self { return failure }
        return nil
    }

    public var description: String {
        switch self {
        case .corrupt(let path, let batch, let reason):
            "journal \(path) is corrupt at batch \(batch): \(reason). Restore the data directory from a backup."
        case .write(let path, let operation, let failure):
            "cannot write the journal \(path) (\(operation)): \(failure.kind.rawValue): \(failure.message) "
                + "(SQLite code \(failure.code)); \(failure.advice)"
        }
    }
}
