import DroverArtifacts
import Foundation

/// A run on disk is two files under `<data-dir>/pipelines/runs/`:
/// - `<id>.json`, the whole `RunRecord`, replaced atomically when the run starts, when its
///   inputs are resolved and when it ends (then fsynced);
/// - `<id>.log`, what changed since: one JSON line per save, holding the new planner events and
///   job ids. Appending a line costs the same at the hundredth event as at the first, where
///   re-encoding the whole record (its YAML, reference statistics and every earlier event) grew
///   with the run (docs/pipelines.md, "Resuming").
///
/// Loading reads the record, then applies the log's lines in order. A line that ends without a
/// newline was cut by a crash and is ignored (its event is repeated on resume, as a lost event
/// would be); a damaged line before the last is an error. Each line says the index of its first
/// event, so lines already folded into the record by a whole write are skipped.
enum RunFiles {
    struct Delta: Codable, Sendable {
        /// Index in `RunRecord.events` of `events[0]`.
        var from: Int
        var events: [RunRecord.StampedEvent]
        var jobIDs: [String: UInt64]
    }

    /// What the files on disk already hold of a live run.
    struct Mark: Sendable {
        var events: Int
        var jobIDs: [String: UInt64]

        init(_ record: RunRecord) {
            events = record.events.count
            jobIDs = record.jobIDs
        }

        /// The changes of `record` not yet on disk, or nil if there are none.
        func delta(_ record: RunRecord) -> Delta? {
            let events = Array(record.events.dropFirst(self.events))
            let jobIDs = record.jobIDs.filter { self.jobIDs[$0.key] != $0.value }
            guard !events.isEmpty || !jobIDs.isEmpty else { return nil }
            return Delta(from: self.events, events: events, jobIDs: jobIDs)
        }
    }

    static func logPath(_ recordPath: String) -> String {
        String(recordPath.dropLast(".json".count)) + ".log"
    }

    /// Stores `record`: whole when `durable` or when nothing is on disk yet (`mark` nil), else
    /// its changes since `mark` as one log line. `mark` then says what the files hold; after a
    /// failure it is nil (a line may be half written: the next save replaces record and log).
    static func save(_ record: RunRecord, to path: String, mark: inout Mark?, durable: Bool) throws {
        do {
            if !durable, let written = mark {
                if let delta = written.delta(record) { try append(delta, recordPath: path) }
            } else {
                try writeWhole(record, to: path, durable: durable)
            }
            mark = Mark(record)
        } catch {
            mark = nil
            throw error
        }
    }

    /// Replaces the whole record, then drops the log it now contains.
    static func writeWhole(_ record: RunRecord, to path: String, durable: Bool) throws {
        try JSONFiles.write(record, to: path, durable: durable)
        if unlink(logPath(path)) != 0, errno != ENOENT {
            throw RunnerError("cannot remove \(logPath(path)): \(String(cString: strerror(errno)))")
        }
    }

    /// Appends one line to the run's log (no fsync: see `RunLoop.save`).
    static func append(_ delta: Delta, recordPath: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(delta)
        line.append(UInt8(ascii: "\n"))
        let file = try PosixFile.open(logPath(recordPath), flags: O_WRONLY | O_APPEND | O_CREAT)
        try line.withUnsafeBytes { try file.write($0) }
    }

    /// The record at `path` with its log applied, or nil if there is no record.
    static func load(_ path: String) throws -> RunRecord? {
        guard var record = try JSONFiles.read(RunRecord.self, from: path) else { return nil }
        guard let log = FileManager.default.contents(atPath: logPath(path)) else { return record }
        let lines = log.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // The last element is what follows the last newline: empty, or a line cut by a crash.
        for (n, line) in lines.dropLast().enumerated() where !line.isEmpty {
            let delta: Delta
            do {
                delta = try JSONDecoder().decode(Delta.self, from: Data(line))
            } catch {
                throw RunnerError("\(logPath(path)) line \(n + 1) is damaged (\(error)); move the run's .json and .log aside to drop the run")
            }
            try apply(delta, to: &record, at: "\(logPath(path)) line \(n + 1)")
        }
        return record
    }

    static func apply(_ delta: Delta, to record: inout RunRecord, at place: String) throws {
        guard delta.from <= record.events.count else {
            throw RunnerError("\(place) starts at event \(delta.from) but the run has \(record.events.count): events are missing")
        }
        record.events += delta.events.dropFirst(record.events.count - delta.from)
        record.jobIDs.merge(delta.jobIDs) { _, new in new }
    }
}
