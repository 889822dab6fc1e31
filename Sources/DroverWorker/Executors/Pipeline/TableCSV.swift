import Foundation
import DroverML

/// Small table operations the pipeline executors need: writing a table back as CSV (features
/// shards are CSV artifacts) and picking rows (the holdout).
enum TableCSV {
    static func write(_ table: Table) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(table.rowCount * table.columns.count * 8 + 256)
        out += table.columns.map { field($0.name) }.joined(separator: ",").utf8
        out.append(UInt8(ascii: "\n"))
        for r in 0..<table.rowCount {
            for (i, c) in table.columns.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                guard !c.isMissing(r) else { continue }
                switch c.type {
                case .categorical: out += field(c.categories[Int(c.codes[r])]).utf8
                case .boolean: out += (c.numbers[r] != 0 ? "true" : "false").utf8
                default: out += number(c.numbers[r]).utf8
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Shortest text that reads back as the same Double; integers without ".0".
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The rows at `indices`, in that order.
    static func rows(_ table: Table, _ indices: [Int]) -> Table {
        Table(columns: table.columns.map { c in
            var out = c
            if c.type == .categorical { out.codes = indices.map { c.codes[$0] } } else { out.numbers = indices.map { c.numbers[$0] } }
            return out
        }, rowCount: indices.count)
    }
}
