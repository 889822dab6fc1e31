@testable import DroverCore
import DroverProtocol
import Foundation
import Testing

@Suite("Trigger journal: reading it back")
struct TriggerLogTests {
    static let span = SpanInput(dataset: "churn", span: 3, digest: "sha256:ab", size: 10)

    static func line(_ seq: Int, key: String = "churn/span-3", outcome: String, model: String = "churn",
                     state: RetrainingTrigger.State? = nil, pending: Bool = false) -> TriggerJournalLine {
        TriggerJournalLine(
            decision: TriggerDecision(seq: seq, atMs: Int64(seq) * 1000, model: model, pipeline: "churn-retrain", event: "span",
                                      key: key, outcome: outcome, reason: "r\(seq)", spans: ["churn span 3"]),
            ingest: IngestInfo(id: key, model: model, pipeline: "churn-retrain", dataset: "churn", span: 3, artifact: "sha256:ab", state: outcome),
            pending: pending ? PendingIngest(id: key, model: model, file: "p.yaml", yaml: "y", datasetName: "churn", span: span, isNew: true) : nil,
            state: state)
    }

    static func bytes(_ lines: [TriggerJournalLine]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        return try lines.flatMap { [UInt8](try encoder.encode($0)) + [UInt8(ascii: "\n")] }
    }

    @Test("a span journaled as deciding and never decided is pending; its decision replaces it")
    func pendingThenDecided() throws {
        let only = try TriggerLog.read(try Self.bytes([Self.line(1, outcome: "deciding", pending: true)])).log
        #expect(only.pending.keys.sorted() == ["churn/span-3"])
        #expect(only.ingests["churn/span-3"]?.state == "deciding")
        #expect(only.recent(model: nil, limit: 10).map(\.outcome) == ["deciding"])

        let state = RetrainingTrigger.State(lastRunAtMs: 2000, trainedThroughSpan: 3, latestSpan: 3)
        let both = try TriggerLog.read(try Self.bytes([Self.line(1, outcome: "deciding", pending: true),
                                                       Self.line(2, outcome: "started", state: state)])).log
        #expect(both.pending.isEmpty && both.decided == ["churn/span-3"])
        #expect(both.recent(model: nil, limit: 10).map(\.seq) == [2], "one row per span once decided")
        #expect(both.ingests["churn/span-3"]?.state == "started")
        #expect(both.states["churn"]?.seq == 2 && both.states["churn"]?.state == state)
        #expect(both.lastSeq == 2)
    }

    @Test("a last line cut short by a crash is left out and its start reported; an earlier damaged line is an error")
    func tornLastLine() throws {
        let good = try Self.bytes([Self.line(1, outcome: "deciding", pending: true)])
        let torn = good + [UInt8](#"{"decision":{"seq":2,"atM"#.utf8)
        let (log, valid) = try TriggerLog.read(torn)
        #expect(valid == good.count && log.lastSeq == 1 && log.pending.count == 1)

        let unterminatedButWhole = good + Array(try Self.bytes([Self.line(2, outcome: "held")]).dropLast())
        #expect(try TriggerLog.read(unterminatedButWhole).validBytes == good.count, "no newline: not known to be whole")

        let damaged = [UInt8]("not json\n".utf8) + good
        #expect(throws: TriggerLogError.self) { try TriggerLog.read(damaged) }
    }

    @Test("a key journaled anew after its decision is pending again (a span number taken again)")
    func reopened() throws {
        let log = try TriggerLog.read(try Self.bytes([Self.line(1, outcome: "deciding", pending: true), Self.line(2, outcome: "held"),
                                                      Self.line(3, outcome: "deciding", pending: true)])).log
        #expect(log.pending.keys.sorted() == ["churn/span-3"] && log.decided.isEmpty)
        #expect(log.recent(model: nil, limit: 10).map(\.seq) == [3, 2], "the earlier decision stays listed")
    }

    @Test("newest first, by model, bounded")
    func recent() throws {
        let lines = (1...5).map { Self.line($0, key: "m\($0 % 2)/span-\($0)", outcome: "held", model: "m\($0 % 2)") }
        let log = try TriggerLog.read(try Self.bytes(lines)).log
        #expect(log.recent(model: nil, limit: 3).map(\.seq) == [5, 4, 3])
        #expect(log.recent(model: "m0", limit: 10).map(\.seq) == [4, 2])
    }
}
