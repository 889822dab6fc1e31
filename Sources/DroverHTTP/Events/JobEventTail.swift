import DroverCore
import DroverStore
import Foundation
import Logging
import NativeThreads
import Synchronization

/// Per-job events from the coordinator's journal: every transition the coordinator commits,
/// none sampled, read on a thread of its own through a read-only SQLite connection (the
/// coordinator's loop is never asked, so following jobs costs dispatch nothing but a core's
/// share). It reads and renders only while a subscriber wants `job` events; otherwise it only
/// keeps its place at the journal's end.
///
/// If compaction deletes rows before they were read (a reader far behind), a `gap` event says
/// which journal rows were missed, so lost events never pass for quiet.
public final class JobEventTail: Sendable {
    let journalPath: String
    let hub: EventHub
    let logger: Logger
    let pollMs: Int
    /// While nobody follows: how often the place is kept (a new subscriber may get up to this
    /// much of what came just before it subscribed, never less than what came after).
    let idlePollMs = 100
    /// Journal rows read per query (a row is a group commit: up to ~100,000 records under load).
    let rowsPerRead: Int
    /// Events per published batch: what a subscriber reads in one go (about 1 MiB of frames).
    let batchEvents = 8_192
    let stopped = Atomic<Bool>(false)

    public init(journalPath: String, hub: EventHub, logger: Logger, pollMs: Int = 10, rowsPerRead: Int = 4) {
        self.journalPath = journalPath
        self.hub = hub
        self.logger = logger
        self.pollMs = pollMs
        self.rowsPerRead = rowsPerRead
    }

    public func start() throws {
        try NativeThread.start { [self] in loop() }.detach()
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    struct Reader {
        let journal: JournalFollower
        var last: Int64
        var renderer = JobEventRenderer()
    }

    func loop() {
        var reader: Reader?
        var failures = 0
        while !stopped.load(ordering: .relaxed) {
            do {
                if reader == nil { reader = try open() }
                if hub.hasSubscribers(wanting: "job") {
                    if try !read(&reader!) { usleep(UInt32(pollMs * 1_000)) }
                } else {
                    // Idle: only keep the place, so a new subscriber gets every transition
                    // committed since it subscribed (and a few before). The end is read before
                    // looking again: one who subscribed in between keeps the older place.
                    let end = try reader!.journal.lastSeq()
                    if !hub.hasSubscribers(wanting: "job") { reader!.last = end }
                    if reader!.renderer.liveJobs > 0 { reader!.renderer = JobEventRenderer() }
                    usleep(UInt32(idlePollMs * 1_000))
                }
                failures = 0
            } catch {
                // The journal may be missing while the coordinator starts, or busy for a moment.
                // The place is kept (a reopened connection must not skip what came meanwhile);
                // after repeated failures the connection itself is opened again.
                failures += 1
                if failures % 25 == 0 {
                    logger.warning("events.jobs.failed", metadata: ["journal": "\(journalPath)", "error": "\(error)"])
                    if let old = reader, let journal = try? JournalFollower(path: journalPath) {
                        reader = Reader(journal: journal, last: old.last, renderer: old.renderer)
                    }
                }
                usleep(200_000)
            }
        }
    }

    /// Opens the journal at its end (nothing is followed yet: see `loop`).
    func open() throws -> Reader {
        let journal = try JournalFollower(path: journalPath)
        let last = try journal.lastSeq()
        logger.debug("events.jobs.following", metadata: ["journal": "\(journalPath)", "from": "\(last)"])
        return Reader(journal: journal, last: last)
    }

    /// Reads the rows after the last one read and publishes their events; false when none were new.
    func read(_ r: inout Reader) throws -> Bool {
        let rows = try r.journal.rows(after: r.last, limit: rowsPerRead)
        guard !rows.isEmpty else { return false }
        for row in rows {
            if row.seq != r.last + 1 { gap(from: r.last + 1, to: row.seq - 1, &r) }
            for record in row.records {
                r.renderer.add(record)
                if r.renderer.count >= batchEvents { flush(&r) } // a group commit may hold 100,000 records
            }
            r.last = row.seq
        }
        flush(&r)
        return true
    }

    struct Gap: Encodable { var fromRow: Int64; var toRow: Int64; var reason: String }

    func flush(_ r: inout Reader) {
        let (data, ends) = r.renderer.take()
        hub.publish("job", data: data, ends: ends)
    }

    func gap(from: Int64, to: Int64, _ r: inout Reader) {
        flush(&r)
        hub.publish("gap", Gap(fromRow: from, toRow: to, reason: "journal rows \(from)–\(to) were compacted before this stream read them: their job events are lost; reload the jobs you follow"))
        logger.warning("events.jobs.gap", metadata: ["from": "\(from)", "to": "\(to)"])
    }
}
