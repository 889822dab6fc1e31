import DroverML
import DroverProtocol
import Foundation

/// A file an attempt produces (the `train` job's `out`). The attempt writes a temporary file of
/// its own (`.NAME.job-J.attempt-A.tmp` beside the target) and renames it over the target only
/// when it succeeded, was not cancelled, and no newer attempt of the same job has renamed its
/// file already. The check and the rename happen under an exclusive `flock` on `.NAME.lock`,
/// and the last writer is recorded in `.NAME.attempt`, so a stale attempt (one whose worker lost
/// its lease while the job ran again elsewhere on the same file system) never overwrites the
/// newer attempt's output. A different job writing the same path simply replaces it.
struct AttemptOutput {
    let path: String
    let jobID: JobID
    let attempt: UInt32

    private var directory: String { (path as NSString).deletingLastPathComponent }
    private var name: String { (path as NSString).lastPathComponent }
    private func sibling(_ suffix: String) -> String {
        (directory.isEmpty ? "" : directory + "/") + "." + name + suffix
    }

    var temporaryPath: String { sibling(".job-\(jobID).attempt-\(attempt).tmp") }
    var lockPath: String { sibling(".lock") }
    var markerPath: String { sibling(".attempt") }

    /// Calls `body` with the temporary path to write to, then commits it. The temporary file is
    /// removed whatever happens.
    func write(cancellation: CancellationToken, _ body: (String) throws -> Void) throws {
        defer { unlink(temporaryPath) }
        try body(temporaryPath)
        try cancellation.check()
        try commit(cancellation: cancellation)
    }

    private func commit(cancellation: CancellationToken) throws {
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot open the lock file \(lockPath)") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw failure("cannot lock \(lockPath)") }
        }
        try cancellation.check()
        if let last = lastWriter(), last.job == jobID, last.attempt > attempt {
            throw JobFailure("out: attempt \(last.attempt) of job \(jobID) already wrote \(path); this older attempt \(attempt) leaves it alone")
        }
        guard rename(temporaryPath, path) == 0 else { throw failure("cannot rename \(temporaryPath) to \(path)") }
        let marker = sibling(".attempt.tmp")
        do {
            try Data("\(jobID) \(attempt)\n".utf8).write(to: URL(fileURLWithPath: marker))
        } catch {
            throw JobFailure("out: cannot record the attempt that wrote \(path) in \(marker): \(error)")
        }
        guard rename(marker, markerPath) == 0 else { throw failure("cannot rename \(marker) to \(markerPath)") }
    }

    /// The job and attempt that last renamed their file over `path`, if recorded.
    func lastWriter() -> (job: JobID, attempt: UInt32)? {
        guard let text = try? String(contentsOfFile: markerPath, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let job = JobID(parts[0]), let attempt = UInt32(parts[1]) else { return nil }
        return (job, attempt)
    }

    private func failure(_ what: String) -> JobFailure {
        JobFailure("out: \(what): \(String(cString: strerror(errno))); check the directory exists and is writable")
    }
}
