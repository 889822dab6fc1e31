import Foundation
import DroverProtocol

/// A span waiting for the trigger's decision: all it takes to decide it again after a restart.
public struct PendingIngest: Codable, Sendable, Equatable {
    /// `MODEL/span-N`.
    public var id: String
    public var model: String
    /// The pipeline spec's name for messages, and its YAML (it becomes the model's pipeline).
    public var file: String
    public var yaml: String
    /// The dataset's name in the spec, and the span registered.
    public var datasetName: String
    public var span: SpanInput
    /// False when these bytes were registered before (the same span again).
    public var isNew: Bool

    public init(id: String, model: String, file: String, yaml: String, datasetName: String, span: SpanInput, isNew: Bool) {
        self.id = id
        self.model = model
        self.file = file
        self.yaml = yaml
        self.datasetName = datasetName
        self.span = span
        self.isNew = isNew
    }
}

/// One line of the trigger journal (`<data-dir>/pipelines/triggers.jsonl`, docs/pipelines.md,
/// "Trigger decisions"): a decision, and what a restarted coordinator needs of it.
public struct TriggerJournalLine: Codable, Sendable, Equatable {
    public var decision: TriggerDecision
    /// A span's ingest as clients see it (`drover ingest`), for span decisions.
    public var ingest: IngestInfo?
    /// On a `deciding` line: the span to decide on.
    public var pending: PendingIngest?
    /// On a decided line: what the model's trigger remembers after it.
    public var state: RetrainingTrigger.State?

    public init(decision: TriggerDecision, ingest: IngestInfo? = nil, pending: PendingIngest? = nil, state: RetrainingTrigger.State? = nil) {
        self.decision = decision
        self.ingest = ingest
        self.pending = pending
        self.state = state
    }
}

/// The trigger journal read back, a pure fold of its lines: the recent decisions (a key's
/// decided line replaces its `deciding` line), the spans still waiting for a decision, each
/// ingest as clients see it, and each model's trigger state after its last decision.
public struct TriggerLog: Sendable {
    /// Oldest first; at most `kept` (the file keeps all but the held schedule decisions `compact` drops).
    public private(set) var decisions: [TriggerDecision] = []
    public private(set) var pending: [String: PendingIngest] = [:]
    public private(set) var ingests: [String: IngestInfo] = [:]
    public private(set) var states: [String: (seq: Int, state: RetrainingTrigger.State)] = [:]
    /// Keys whose last line is a decision: decided once, not again (unless journaled anew).
    public private(set) var decided: Set<String> = []
    public private(set) var lastSeq = 0
    public static let kept = 10_000

    public init() {}

    public mutating func apply(_ line: TriggerJournalLine) {
        let d = line.decision
        lastSeq = max(lastSeq, d.seq)
        if let ingest = line.ingest { ingests[d.key] = ingest }
        if d.isDecided {
            pending[d.key] = nil
            decided.insert(d.key)
            decisions.removeAll { $0.key == d.key && !$0.isDecided }
            if let state = line.state { states[d.model] = (d.seq, state) }
        } else if let request = line.pending {
            // A new round for the key: a span number taken again after its span was never
            // committed (the coordinator stopped between journaling and committing it).
            decided.remove(d.key)
            pending[d.key] = request
        }
        decisions.append(d)
        if decisions.count > Self.kept { decisions.removeFirst(decisions.count - Self.kept) }
    }

    /// Newest first, optionally of one model.
    public func recent(model: String?, limit: Int) -> [TriggerDecision] {
        Array(decisions.reversed().lazy.filter { model == nil || $0.model == model }.prefix(limit))
    }

    /// Reads the journal's bytes. A last line cut short by a crash mid-write (no newline, or not
    /// JSON) is left out; `validBytes` is where it starts, for the writer to cut it off.
    /// A damaged line before the last is an error: the journal is not what was written.
    public static func read(_ bytes: [UInt8]) throws(TriggerLogError) -> (log: TriggerLog, validBytes: Int) {
        var log = TriggerLog()
        var start = 0, number = 0
        let decoder = JSONDecoder()
        while start < bytes.count {
            number += 1
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            do {
                log.apply(try decoder.decode(TriggerJournalLine.self, from: Data(bytes[start..<end])))
            } catch {
                guard end + 1 < bytes.count else { break }
                throw TriggerLogError(line: number, message: "\(error)")
            }
            start = end + 1
        }
        return (log, start)
    }
}

/// A line of the trigger journal that cannot be read (not the torn last one).
public struct TriggerLogError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line) of the trigger journal cannot be read: \(message)" }
}
