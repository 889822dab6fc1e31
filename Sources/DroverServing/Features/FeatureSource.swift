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
        var options = CSVOptions(columnTypes: [view.entity: .categorical])
        options.threads = 1
        let table = try CSVReader.read(path: view.source, options: options)
        return try FeatureRows(table: table, view: view)
    }

    public init(table: Table, view: FeatureView) throws {
        let key = try Self.column(view.entity, "entity key", in: table, view: view)
        let times = FeatureDefinitions.times(try Self.column(view.timestamp, "timestamp", in: table, view: view))
        let created = try view.created.map { FeatureDefinitions.times(try Self.column($0, "created timestamp", in: table, view: view)) }
        let features = try view.features.map { try Self.column($0, "feature", in: table, view: view) }
        for r in 0..<table.rowCount {
            guard let k = key.category(at: r), !k.isEmpty else { skippedNoKey += 1; continue }
            guard !times[r].isNaN else { skippedBadTime += 1; continue }
            keys.append(k)
            events.append(times[r])
            self.created.append(created.map { $0[r].isNaN ? Double(r) : $0[r] } ?? Double(r))
            values.append(features.map { $0.featureValue(at: r) })
        }
    }

    /// A column the view names, or an error naming the file, the role and the columns it has.
    static func column(_ name: String, _ role: String, in table: Table, view: FeatureView) throws(FeatureDefinitionError) -> Column {
        guard let c = table.column(named: name) else {
            throw FeatureDefinitionError("\(view.source) has no column '\(name)' (\(role) of feature view \(view.name)); it has: \(table.columnNames.joined(separator: ", "))")
        }
        return c
    }

    /// As rows for the point-in-time join (index = row).
    public var joinRows: [PointInTimeJoin.FeatureRow] {
        keys.indices.map { PointInTimeJoin.FeatureRow(key: keys[$0], event: events[$0], created: created[$0], index: $0) }
    }
}

extension Column {
    /// A feature cell as the online store and the join write it: a number, a string, a boolean or null.
    func featureValue(at r: Int) -> JSONValue {
        if type == .categorical { return category(at: r).map(JSONValue.string) ?? .null }
        return numbers[r].isNaN ? .null : (type == .boolean ? .bool(numbers[r] != 0) : .number(numbers[r]))
    }
}

extension FeatureDefinitions {
    /// A timestamp column as unix seconds, NaN where missing or unreadable: numbers as they are,
    /// text (ISO 8601) parsed once per distinct value.
    public static func times(_ c: Column) -> [Double] {
        guard c.type == .categorical else { return c.numbers }
        let parsed = c.categories.map { timestamp($0) ?? .nan }
        return c.codes.map { $0 < 0 ? .nan : parsed[Int($0)] }
    }
}
