import DroverML
import Synchronization

/// The live inputs of the last `capacity` rows (whole requests, oldest dropped first), compared on
/// demand with a reference table — the training data — column by column with the drift tests of
/// `drover data validate` (Evidently's defaults).
public final class DriftWindow: Sendable {
    public let capacity: Int
    let reference: Table
    private let window = Mutex<(parts: [InputRows], rows: Int)>(([], 0))

    public init(reference: Table, capacity: Int) {
        self.reference = reference
        self.capacity = capacity
    }

    /// Adds a validated request's rows (called on the request path: an append under a lock).
    func add(_ rows: InputRows) {
        window.withLock { w in
            w.parts.append(rows)
            w.rows += rows.count
            while w.rows - (w.parts.first?.count ?? 0) >= capacity, w.parts.count > 1 {
                w.rows -= w.parts.removeFirst().count
            }
        }
    }

    public struct Report: Sendable, Encodable {
        public var windowRows: Int
        public var referenceRows: Int
        public var drift: DriftReport
    }

    /// Compares the window with the reference (CPU work: call off the cooperative pool).
    public func compare(signature: InputSignature) -> Report {
        let rows = window.withLock { InputRows.concatenate($0.parts) }
        let current = rows.count == 0 ? Table(columns: [], rowCount: 0) : rows.table(signature)
        return Report(windowRows: rows.count, referenceRows: reference.rowCount,
                      drift: DriftDetector.compare(reference: reference, current: current))
    }
}
