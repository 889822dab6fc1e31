import DroverProtocol
import Foundation

/// Command output the workers stream in LOGS, kept with the job as files
/// `DATA/logs/job-J/attempt-A.stdout|stderr` (docs/commands.md, "Logs"). Outside the journal: logs
/// are large, and losing the last chunks in a crash loses no decision. Runs on the coordinator's
/// socket thread (like its journal commits); what arrives is bounded by the workers' per-tick budget.
///
/// A chunk whose sequence number skips ahead (the worker dropped chunks, or a connection broke)
/// is preceded by a visible marker line, so lost output cannot be mistaken for a quiet job.
final class LogStore {
    let dataDirectory: String
    /// Per stream file; beyond it chunks are dropped with one marker.
    let maxBytesPerStream: Int64
    private struct Key: Hashable { var job: JobID; var attempt: UInt32; var stream: UInt8 }
    private var lastSeq: [Key: UInt64] = [:]
    private var sizes: [Key: Int64] = [:]
    private(set) var lostChunks = 0

    init(dataDirectory: String, maxBytesPerStream: Int64 = 64 << 20) {
        self.dataDirectory = dataDirectory
        self.maxBytesPerStream = maxBytesPerStream
    }

    func path(job: JobID, attempt: UInt32, stream: String) -> String {
        LogFiles.path(dataDirectory: dataDirectory, job: job, attempt: attempt, stream: stream)
    }

    /// Appends the chunks of attempts that are still current (`isCurrent` checks the lease).
    func append(_ chunks: [LogChunk], isCurrent: (Lease) -> Bool) {
        for chunk in chunks where isCurrent(chunk.lease) {
            let key = Key(job: chunk.lease.jobID, attempt: chunk.lease.attempt, stream: chunk.stream.rawValue)
            var data = [UInt8]()
            let expected = (lastSeq[key] ?? 0) + 1
            if chunk.seq > expected {
                lostChunks += Int(chunk.seq - expected)
                data += Array("\n[drover: \(chunk.seq - expected) chunk(s) of output lost]\n".utf8)
            }
            guard chunk.seq >= expected else { continue } // a duplicate
            lastSeq[key] = chunk.seq
            let size = sizes[key] ?? 0
            guard size < maxBytesPerStream else { continue }
            data += chunk.bytes
            if size + Int64(data.count) > maxBytesPerStream {
                data = Array(data.prefix(Int(maxBytesPerStream - size))) + Array("\n[drover: log limit reached; the rest is dropped]\n".utf8)
            }
            write(data, to: path(job: key.job, attempt: key.attempt, stream: chunk.stream.name))
            sizes[key] = size + Int64(data.count)
        }
    }

    /// Open log files (appending), so a stream's chunks cost one `write` each; bounded.
    private var open: [String: Int32] = [:]
    private static let maxOpen = 64

    private func write(_ data: [UInt8], to path: String) {
        var fd = open[path] ?? -1
        if fd < 0 {
            if open.count >= Self.maxOpen { closeAll() }
            let dir = (path as NSString).deletingLastPathComponent
            if !FileManager.default.fileExists(atPath: dir) {
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return }
            open[path] = fd
        }
        data.withUnsafeBytes { _ = Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    func closeAll() {
        for fd in open.values { close(fd) }
        open.removeAll()
    }

    deinit { closeAll() }

    /// Answers `logs`: up to 1 MiB from `offset` of the newest (or the asked) attempt's stream.
    func read(_ q: LogsQuery, ended: Bool) -> LogsReply {
        let attempt = q.attempt ?? LogFiles.newestAttempt(dataDirectory: dataDirectory, job: q.id) ?? 0
        var reply = LogsReply(id: q.id, attempt: attempt, stream: q.stream, offset: q.offset, nextOffset: q.offset, text: "", ended: ended)
        guard attempt > 0, let handle = FileHandle(forReadingAtPath: path(job: q.id, attempt: attempt, stream: q.stream)) else { return reply }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(max(0, q.offset)))) != nil,
              var bytes = try? handle.read(upToCount: 1 << 20).map(Array.init) ?? [] else { return reply }
        // Cut before a UTF-8 sequence the next read completes.
        let cut = Self.completeUTF8Prefix(bytes)
        bytes = Array(bytes[..<cut])
        reply.text = String(decoding: bytes, as: UTF8.self)
        reply.nextOffset = q.offset + Int64(bytes.count)
        return reply
    }

    /// The length of `b` without a trailing, incomplete UTF-8 sequence.
    static func completeUTF8Prefix(_ b: [UInt8]) -> Int {
        var i = b.count, back = 0
        while i > 0, back < 3, b[i - 1] & 0xC0 == 0x80 {
            i -= 1
            back += 1
        }
        guard i > 0 else { return b.count }
        let lead = b[i - 1]
        let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return b.count - (i - 1) < need ? i - 1 : b.count
    }
}

extension CoordinatorHandler {
    /// `logs`: a command job's streamed output (docs/commands.md).
    func answerLogs(_ body: [UInt8]) -> (UInt16, [UInt8]) {
        let q: LogsQuery
        do { q = try JSONBody.decode(LogsQuery.self, body) } catch {
            return QueryRouter.fail(.badRequest, "logs: \(error)")
        }
        guard ["stdout", "stderr", "metrics"].contains(q.stream) else {
            return QueryRouter.fail(.badRequest, "logs: stream must be stdout, stderr or metrics, got '\(q.stream)'")
        }
        guard let state = core.table.state(of: q.id) else { return QueryRouter.notFound(q.id) }
        return QueryRouter.ok(logs.read(q, ended: state.isTerminal))
    }
}
