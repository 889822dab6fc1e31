@testable import DroverCore
import DroverProtocol
import Foundation
import Testing

@Suite("Trigger journal: compaction")
struct TriggerLogCompactionTests {
    static func schedule(_ seq: Int, model: String, outcome: String = "held", checkedAt: Int64) -> TriggerJournalLine {
        TriggerJournalLine(
            decision: TriggerDecision(seq: seq, atMs: Int64(seq) * 60_000, model: model, pipeline: "\(model)-retrain", event: "schedule",
                                      key: "\(model)/schedule@\(seq)", outcome: outcome, reason: "nothing new", run: outcome == "held" ? nil : "r\(seq)"),
            state: RetrainingTrigger.State(trainedThroughSpan: 1, latestSpan: 1, scheduleCheckedAtMs: checkedAt))
    }

    /// A journal of two models' schedules, a span in between and the span still pending at the end.
    static func journal() throws -> [TriggerJournalLine] {
        var lines: [TriggerJournalLine] = []
        var seq = 0
        for i in 0..<300 {
            seq += 1
            lines.append(schedule(seq, model: i % 3 == 0 ? "fraud" : "churn", checkedAt: Int64(seq) * 60_000))
            if i == 150 {
                seq += 1
                lines.append(TriggerLogTests.line(seq, key: "churn/span-2", outcome: "deciding", pending: true))
                seq += 1
                lines.append(TriggerLogTests.line(seq, key: "churn/span-2", outcome: "started",
                                                  state: RetrainingTrigger.State(lastRunAtMs: 1, trainedThroughSpan: 2)))
                seq += 1
                lines.append(schedule(seq, model: "churn", outcome: "started", checkedAt: Int64(seq) * 60_000))
            }
        }
        seq += 1
        lines.append(TriggerLogTests.line(seq, outcome: "deciding", pending: true)) // last: a pending span, no state
        return lines
    }

    @Test("held schedule lines beyond the newest per model go; spans, runs, each model's latest state and lastSeq stay")
    func dropsOnlyOldHeldSchedules() throws {
        let bytes = try TriggerLogTests.bytes(try Self.journal())
        let (compacted, dropped) = try TriggerLog.compact(bytes, keep: 10)
        let before = try TriggerLog.read(bytes).log, after = try TriggerLog.read(compacted).log
        #expect(dropped == 300 - 20)
        #expect(compacted.count < bytes.count / 5)
        #expect(after.lastSeq == before.lastSeq)
        #expect(after.pending == before.pending && after.ingests == before.ingests)
        #expect(after.states.mapValues(\.seq) == before.states.mapValues(\.seq))
        #expect(after.states.mapValues(\.state) == before.states.mapValues(\.state))
        let kept = after.decisions
        #expect(kept.filter { $0.event == "schedule" && $0.outcome == "held" }.count == 20)
        #expect(kept.contains { $0.key == "churn/span-2" && $0.outcome == "started" } && kept.contains { $0.outcome == "started" && $0.event == "schedule" })
        #expect(Set(before.decided.filter { !$0.contains("schedule") }) == Set(after.decided.filter { !$0.contains("schedule") }))
        #expect(after.recent(model: "fraud", limit: 10) == before.recent(model: "fraud", limit: 10), "the newest are what is listed")
        // Compacting again changes nothing; the kept lines are the original bytes.
        #expect(try TriggerLog.compact(compacted, keep: 10) == (compacted, 0))
        #expect(String(decoding: compacted, as: UTF8.self).split(separator: "\n").allSatisfy {
            String(decoding: bytes, as: UTF8.self).contains($0)
        })
    }

    @Test("a model whose latest state is on an old held line keeps that line; a torn last line is left out")
    func keepsLatestStateAndDropsTornTail() throws {
        var lines = (1...50).map { Self.schedule($0, model: "churn", checkedAt: Int64($0) * 60_000) }
        lines.append(Self.schedule(51, model: "fraud", checkedAt: 51 * 60_000))
        lines += (52...100).map { Self.schedule($0, model: "churn", checkedAt: Int64($0) * 60_000) }
        let bytes = try TriggerLogTests.bytes(lines) + Array(#"{"decision":{"seq":101"#.utf8)
        let (compacted, _) = try TriggerLog.compact(bytes, keep: 5)
        let after = try TriggerLog.read(compacted).log
        #expect(after.states["fraud"]?.seq == 51 && after.states["churn"]?.seq == 100 && after.lastSeq == 100)
        #expect(after.decisions.map(\.seq) == [51] + Array(96...100))
    }
}
