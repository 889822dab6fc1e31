import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A coordinator's data directory: the journal and a lock file that keeps a second
/// coordinator from opening the same journal.
public final class DataDirectory {
    public let url: URL
    private var lockFD: Int32 = -1

    public init(path: String) throws {
        url = URL(fileURLWithPath: path, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var journalPath: String { url.appendingPathComponent("journal.sqlite").path }

    /// Takes an exclusive lock; fails at once if another coordinator holds it.
    public func lock() throws {
        let path = url.appendingPathComponent("coordinator.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataDirectoryError.cannotOpen(path, String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw DataDirectoryError.locked(url.path)
        }
        lockFD = fd
    }

    deinit {
        if lockFD >= 0 { close(lockFD) }
    }
}

public enum DataDirectoryError: Error, CustomStringConvertible {
    case cannotOpen(String, String)
    case locked(String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let why): "cannot open \(p): \(why)"
        case .locked(let p): "another coordinator is using the data directory \(p); stop it or pass a different --data-dir"
        }
    }
}
