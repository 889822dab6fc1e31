import DroverProtocol
import Foundation

/// What the trigger journal may forget. A schedule with no new data journals a `held` decision at
/// each due instant (a line a minute for `* * * * *`); nothing needs the old ones once a later
/// line carries the model's trigger state, whose `scheduleCheckedAtMs` spends those instants. All
/// other lines are kept: spans (each ingest's answer and its pending decision) and decisions that
/// started, queued or joined a run (a restarted coordinator checks stored runs against them).
extension TriggerLog {
    /// Held schedule decisions kept per model, the newest (what `drover triggers list` shows).
    public static let heldSchedulesKept = 100

    /// Whether a line is a held decision of a schedule: the kind compaction may drop.
    public static func isHeldSchedule(_ decision: TriggerDecision) -> Bool {
        decision.event == "schedule" && decision.outcome == "held"
    }

    /// The journal's complete lines without the held schedule decisions beyond the newest `keep`
    /// per model, except the last line (its `seq` numbers the next) and each model's latest line
    /// with a trigger state. Kept lines are returned byte for byte, in order; a torn last line is
    /// left out (as `read` leaves it). Reading the result gives the same `lastSeq`, states,
    /// pending spans, ingests and run decisions as reading `bytes`.
    public static func compact(_ bytes: [UInt8], keep: Int = heldSchedulesKept) throws(TriggerLogError) -> (bytes: [UInt8], dropped: Int) {
        var lines: [(range: Range<Int>, decision: TriggerDecision, hasState: Bool)] = []
        var start = 0
        let decoder = JSONDecoder()
        while start < bytes.count, let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            do {
                let line = try decoder.decode(TriggerJournalLine.self, from: Data(bytes[start..<end]))
                lines.append((start..<(end + 1), line.decision, line.state != nil))
            } catch {
                guard end + 1 < bytes.count else { break }
                throw TriggerLogError(line: lines.count + 1, message: "\(error)")
            }
            start = end + 1
        }
        var keepers = Set<Int>()
        if !lines.isEmpty { keepers.insert(lines.count - 1) }
        var heldSeen: [String: Int] = [:], stateSeen = Set<String>()
        for (i, line) in lines.enumerated().reversed() {
            let model = line.decision.model
            if line.hasState, stateSeen.insert(model).inserted { keepers.insert(i) }
            guard isHeldSchedule(line.decision) else { keepers.insert(i); continue }
            heldSeen[model, default: 0] += 1
            if heldSeen[model]! <= keep { keepers.insert(i) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(start)
        for i in keepers.sorted() { out += bytes[lines[i].range] }
        return (out, lines.count - keepers.count)
    }
}
