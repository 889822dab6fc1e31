import DroverCore
import DroverProtocol
import Foundation
import Synchronization

/// The trigger journal (`<data-dir>/pipelines/triggers.jsonl`, docs/pipelines.md, "Trigger
/// decisions"): one JSON line per decision, appended and fsynced before anyone is told of it.
/// The socket thread journals each ingested span as `deciding` before answering; the runner's
/// thread journals the decision. Read back at start (`TriggerLog`) it gives the spans still to
/// decide, each ingest as clients saw it, each model's trigger state and the recent decisions.
/// Not compacted: one line per ingest and per due instant of a schedule.
final class TriggerJournal: Sendable {
    private struct State {
        var fd: Int32
        var log: TriggerLog
    }

    let path: String
    private let state: Mutex<State>

    init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent("triggers.jsonl")
        let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
        let (log, valid): (TriggerLog, Int)
        do {
            (log, valid) = try TriggerLog.read(bytes)
        } catch {
            throw RunnerError("\(path): \(error); move the file aside to start afresh (the trigger forgets its decisions)")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunnerError("cannot open \(path): \(String(cString: strerror(errno)))") }
        // A line cut short by a crash mid-write is dropped, so the next one starts afresh.
        if valid < bytes.count, ftruncate(fd, off_t(valid)) != 0 {
            close(fd)
            throw RunnerError("cannot cut the torn last line of \(path): \(String(cString: strerror(errno)))")
        }
        state = Mutex(State(fd: fd, log: log))
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
            return line.decision
        }
    }
}
