import DroverCore
import DroverProtocol
import Foundation
import Testing
@testable import DroverPipelines

/// The trigger journal's file: held schedule decisions do not pile up (`TriggerJournal`).
@Suite final class TriggerJournalCompactionTests {
    let dir: String
    var path: String { dir + "/triggers.jsonl" }

    init() throws {
        dir = NSTemporaryDirectory() + "triggers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func held(_ minute: Int) -> TriggerJournalLine {
        TriggerJournalLine(
            decision: TriggerDecision(atMs: Int64(minute) * 60_000, model: "churn", pipeline: "churn-retrain", event: "schedule",
                                      key: "churn/schedule@\(minute)", outcome: "held", reason: "no span arrived since the last run"),
            state: RetrainingTrigger.State(trainedThroughSpan: 1, latestSpan: 1, scheduleCheckedAtMs: Int64(minute) * 60_000))
    }

    func lines() throws -> Int {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
    }

    @Test("while running, every 150 held schedule lines appended compact the journal to the newest 100 and the run decisions; numbering goes on")
    func compactsWhileRunning() throws {
        let journal = try TriggerJournal(directory: dir, compactAfter: 150)
        let span = TriggerJournalLine(decision: TriggerDecision(atMs: 1, model: "churn", pipeline: "churn-retrain", event: "span",
                                                                key: "churn/span-1", outcome: "started", reason: "span", run: "churn-retrain-1"))
        try journal.append(span)
        for minute in 1...149 { try journal.append(held(minute)) }
        #expect(try lines() == 150)
        // The 150th held line appended: the journal keeps the span's run decision and the newest 100.
        try journal.append(held(150))
        #expect(try lines() == 1 + TriggerLog.heldSchedulesKept)
        for minute in 151...250 { try journal.append(held(minute)) }
        #expect(try lines() == 201, "the next compaction after 150 more")
        #expect(journal.lastSeq == 251 && journal.isDecided("churn/span-1"))
        #expect(journal.log.states["churn"]?.state.scheduleCheckedAtMs == Int64(250 * 60_000))
        let next = try journal.append(held(251))
        #expect(next.seq == 252, "numbering continues after compaction")
        #expect(journal.recent(model: "churn", limit: 1).first?.seq == 252)

        let reopened = try TriggerJournal(directory: dir, compactAfter: 150)
        #expect(reopened.lastSeq == 252 && reopened.isDecided("churn/span-1"))
        #expect(reopened.log.states["churn"]?.seq == 252)
    }

    @Test("at start, a journal with many held schedule lines is rewritten without them")
    func compactsAtStart() throws {
        let encoder = JSONEncoder()
        var bytes: [UInt8] = []
        for minute in 1...400 {
            var line = held(minute)
            line.decision.seq = minute
            bytes += try encoder.encode(line) + [UInt8(ascii: "\n")]
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let journal = try TriggerJournal(directory: dir, compactAfter: 150)
        #expect(try lines() == TriggerLog.heldSchedulesKept)
        #expect(journal.lastSeq == 400 && journal.log.states["churn"]?.seq == 400)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }
}
