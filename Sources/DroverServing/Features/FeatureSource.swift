import DroverML

/// The rows of a feature view's source, parsed: entity key, event and created times, and the
/// feature values (numbers, strings or null). Rows without a key or a readable timestamp are
/// counted and left out, never guessed.
public struct FeatureRows: Sendable {
    public var keys: [String] = []
    public var events: [Double] = []
    public var created: [Double] = []
    public var values: [[JSONValue]] = []
    public var skippedNoKey = 0
    public var skippedBadTime = 0

    public var count: Int { keys.count }

    /// Reads the view's CSV (blocking: call off the cooperative pool).
    public static func read(_ view: FeatureView) throws -> FeatureRows {
        var options = CSVOptions(columnTypes: [view.entity: .categorical, view.timestamp: .categorical])
        if let c = view.created { options.columnTypes[c] = .categorical }
        options.threads = 1
        let table = try CSVReader.read(path: view.source, options: options)
        return try FeatureRows(table: table, view: view)
    }

    public init(table: Table, view: FeatureView) throws {
        func column(_ name: String, _ role: String) throws -> Column {
            guard let c = table.column(named: name) else {
                throw FeatureDefinitionError("\(view.source) has no column '\(name)' (\(role) of feature view \(view.name)); it has: \(table.columnNames.joined(separator: ", "))")
            }
            return c
        }
        let key = try column(view.entity, "entity key")
        let time = try column(view.timestamp, "timestamp")
        let created = try view.created.map { try column($0, "created timestamp") }
        let features = try view.features.map { try column($0, "feature") }
        for r in 0..<table.rowCount {
            guard let k = key.category(at: r), !k.isEmpty else { skippedNoKey += 1; continue }
            guard let text = time.category(at: r), let t = FeatureDefinitions.timestamp(text) else { skippedBadTime += 1; continue }
            keys.append(k)
            events.append(t)
            self.created.append(created.flatMap { $0.category(at: r) }.flatMap(FeatureDefinitions.timestamp) ?? Double(r))
            values.append(features.map { c in
                if c.type == .categorical { return c.category(at: r).map(JSONValue.string) ?? .null }
                return c.numbers[r].isNaN ? .null : (c.type == .boolean ? .bool(c.numbers[r] != 0) : .number(c.numbers[r]))
            })
        }
    }

    /// As rows for the point-in-time join (index = row).
    public var joinRows: [PointInTimeJoin.FeatureRow] {
        keys.indices.map { PointInTimeJoin.FeatureRow(key: keys[$0], event: events[$0], created: created[$0], index: $0) }
    }
}
