import DroverCore
import DroverProtocol
import Foundation
import Synchronization

/// The trigger journal (`<data-dir>/pipelines/triggers.jsonl`, docs/pipelines.md, "Trigger
/// decisions"): one JSON line per decision, appended and fsynced before anyone is told of it.
/// The socket thread journals each ingested span as `deciding` before answering; the runner's
/// thread journals the decision. Read back at start (`TriggerLog`) it gives the spans still to
/// decide, each ingest as clients saw it, each model's trigger state and the recent decisions.
/// Compacted (`TriggerLog.compact`: a schedule with no new data adds a held decision per due
/// instant) at start when it holds `compactAfter` (1,000) of them, and after every `compactAfter`
/// held schedule decisions appended.
final class TriggerJournal: Sendable {
    private struct State {
        var fd: Int32
        var log: TriggerLog
        /// Held schedule lines appended since the last compaction (at start: those read).
        var droppable: Int
    }

    let path: String
    private let compactAfter: Int
    private let state: Mutex<State>

    init(directory: String, compactAfter: Int = 1_000) throws {
        self.compactAfter = compactAfter
        path = (directory as NSString).appendingPathComponent("triggers.jsonl")
        var bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
        var read: (log: TriggerLog, validBytes: Int)
        var droppable = 0
        do {
            read = try TriggerLog.read(bytes)
            // The held schedule decisions read (an upper bound of what may go): only when there
            // are enough is the file parsed again to compact it.
            droppable = read.log.decisions.count(where: TriggerLog.isHeldSchedule)
            if droppable >= compactAfter {
                let compaction = try TriggerLog.compact(Array(bytes[..<read.validBytes]))
                // Not compacted (no space for the copy, say): the journal stays whole, and is used as it is.
                if compaction.dropped > 0, (try? JSONFiles.replace(path, with: Data(compaction.bytes))) != nil {
                    bytes = compaction.bytes
                    read = try TriggerLog.read(bytes)
                    droppable = 0
                }
            }
        } catch {
            throw RunnerError("\(path): \(error); move the file aside to start afresh (the trigger forgets its decisions)")
        }
        let (log, valid) = read
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunnerError("cannot open \(path): \(String(cString: strerror(errno)))") }
        // A line cut short by a crash mid-write is dropped, so the next one starts afresh.
        if valid < bytes.count, ftruncate(fd, off_t(valid)) != 0 {
            close(fd)
            throw RunnerError("cannot cut the torn last line of \(path): \(String(cString: strerror(errno)))")
        }
        state = Mutex(State(fd: fd, log: log, droppable: droppable))
    }

    deinit { state.withLock { _ = close($0.fd) } }

    /// The journal as read at start and appended since.
    var log: TriggerLog { state.withLock { $0.log } }

    var lastSeq: Int { state.withLock { $0.log.lastSeq } }

    func isDecided(_ key: String) -> Bool { state.withLock { $0.log.decided.contains(key) } }

    func recent(model: String?, limit: Int) -> [TriggerDecision] {
        state.withLock { $0.log.recent(model: model, limit: limit) }
    }

    /// Numbers the decision, appends its line and fsyncs: when this returns, it survives a crash.
    @discardableResult
    func append(_ line: TriggerJournalLine) throws -> TriggerDecision {
        try state.withLock { s in
            var line = line
            line.decision.seq = s.log.lastSeq + 1
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let bytes = [UInt8](try encoder.encode(line)) + [UInt8(ascii: "\n")]
            let written = bytes.withUnsafeBytes { write(s.fd, $0.baseAddress, $0.count) }
            guard written == bytes.count, fsync(s.fd) == 0 else {
                let why = String(cString: strerror(errno))
                // A partial line would damage the next one: cut it off again.
                if written > 0 { _ = ftruncate(s.fd, lseek(s.fd, 0, SEEK_END) - off_t(written)) }
                throw RunnerError("cannot append to \(path): \(why); check free space and permissions of the data directory")
            }
            s.log.apply(line)
            if TriggerLog.isHeldSchedule(line.decision) {
                s.droppable += 1
                if s.droppable >= compactAfter { compact(&s) }
            }
            return line.decision
        }
    }

    /// Rewrites the journal without what `TriggerLog.compact` drops and reads it back. The
    /// decisions are already on disk: if this fails, the journal stays whole and it is tried again
    /// after as many more lines.
    private func compact(_ s: inout State) {
        s.droppable = 0
        guard let bytes = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }),
              let (compacted, _) = try? TriggerLog.compact(bytes), (try? JSONFiles.replace(path, with: Data(compacted))) != nil else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0, let log = try? TriggerLog.read(compacted).log else { return }
        close(s.fd)
        (s.fd, s.log) = (fd, log)
    }
}
