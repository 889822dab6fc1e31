import DroverML
import Foundation

/// `drover features join`: a label CSV joined point-in-time with a feature view's source, as
/// CSV (the label file's lines, then the view's features; empty cells where no row joins).
/// Columnar throughout: the features are never turned into per-row values, only the joined
/// cells are formatted, so 1M labels against 10M feature rows stay within a few hundred MB.
public enum OfflineJoin {
    public struct Result: Sendable {
        public var csv: [UInt8]
        public var labels: Int
        /// Label rows that got a feature row.
        public var joined: Int
    }

    /// Blocking (reads both files): call off the cooperative pool.
    public static func run(view: FeatureView, labelsPath: String, timestamp: String) throws -> Result {
        let source = try CSVReader.read(path: view.source, options: CSVOptions(columnTypes: [view.entity: .categorical]))
        let entity = try FeatureRows.column(view.entity, "entity key", in: source, view: view)
        let events = FeatureDefinitions.times(try FeatureRows.column(view.timestamp, "timestamp", in: source, view: view))
        let created = try view.created.map { FeatureDefinitions.times(try FeatureRows.column($0, "created timestamp", in: source, view: view)) }
        let features = try view.features.map { try FeatureRows.column($0, "feature", in: source, view: view) }
        var keys = entity.codes
        for r in keys.indices where events[r].isNaN { keys[r] = -1 } // no readable time: never joined
        let columns = PointInTimeJoin.FeatureColumns(keys: keys, events: events,
                                                     created: created.map { c in c.indices.map { c[$0].isNaN ? Double($0) : c[$0] } }
                                                         ?? (0..<events.count).map(Double.init))

        let table = try CSVReader.read(path: labelsPath, options: CSVOptions(columnTypes: [view.entity: .categorical, timestamp: .categorical]))
        guard let labelKey = table.column(named: view.entity), let labelTime = table.column(named: timestamp) else {
            throw FeatureDefinitionError("\(labelsPath) needs columns '\(view.entity)' and '\(timestamp)'; it has: \(table.columnNames.joined(separator: ", "))")
        }
        let times = FeatureDefinitions.times(labelTime)
        if let bad = times.firstIndex(where: \.isNaN) {
            throw FeatureDefinitionError("\(labelsPath) row \(bad + 2): '\(timestamp)' is not unix seconds or ISO 8601")
        }
        // The labels' key codes in the features' key space.
        let codeOf = Dictionary(entity.categories.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
        let labelCodes = labelKey.categories.map { codeOf[$0] ?? -1 }
        let joined = PointInTimeJoin.join(labelKeys: labelKey.codes.map { $0 < 0 ? -1 : labelCodes[Int($0)] }, labelTimes: times,
                                          features: columns, keyCount: entity.categories.count, ttl: view.ttlSeconds)
        return try Result(csv: write(labelsPath: labelsPath, rows: table.rowCount, joined: joined, features: features, view: view),
                          labels: table.rowCount, joined: joined.lazy.filter { $0 >= 0 }.count)
    }

    /// The label file's own lines with the joined cells appended.
    static func write(labelsPath: String, rows: Int, joined: [Int32], features: [Column], view: FeatureView) throws -> [UInt8] {
        let raw = try [UInt8](Data(contentsOf: URL(fileURLWithPath: labelsPath)))
        var lines: [Range<Int>] = []
        lines.reserveCapacity(rows + 1)
        var start = 0
        for i in raw.indices where raw[i] == UInt8(ascii: "\n") {
            let end = i > start && raw[i - 1] == UInt8(ascii: "\r") ? i - 1 : i
            if end > start { lines.append(start..<end) }
            start = i + 1
        }
        if start < raw.count { lines.append(start..<raw.count) }
        guard lines.count == rows + 1 else {
            throw FeatureDefinitionError("\(labelsPath): \(lines.count - 1) lines but \(rows) CSV rows (a quoted field spans lines?); write one row per line")
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + rows * 8 * features.count)
        out += raw[lines[0]]
        out += Array(("," + view.features.joined(separator: ",") + "\n").utf8)
        for (r, line) in lines.dropFirst().enumerated() {
            out += raw[line]
            let row = Int(joined[r])
            for c in features {
                out.append(UInt8(ascii: ","))
                if row >= 0, let text = c.featureValue(at: row).keyText { out += text.utf8 }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}
