/// One input column a model expects: its name and type.
public struct ColumnSpec: Codable, Sendable, Equatable {
    public var name: String
    public var type: ColumnType

    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// The columns (names and types) a model was trained on; `predict` and `evaluate` check
/// every input table against it before transforming anything.
public struct InputSignature: Codable, Sendable, Equatable {
    public var columns: [ColumnSpec]

    public init(columns: [ColumnSpec]) { self.columns = columns }

    /// Throws a `ModelError` naming the first missing or mistyped column.
    ///
    /// A boolean column is accepted where numeric is expected (both are stored as numbers;
    /// a small file of 0/1 values may be inferred as boolean). Extra columns are ignored.
    public func check(_ table: Table, source: String) throws {
        for spec in columns {
            guard let column = table.column(named: spec.name) else {
                throw ModelError.input(
                    "column '\(spec.name)' required by the model is missing from \(source)",
                    hint: "the file has columns: \(table.columnNames.joined(separator: ", "))")
            }
            if !Self.compatible(expected: spec.type, actual: column.type) {
                throw ModelError.input(
                    "column '\(spec.name)' in \(source) is \(column.type.rawValue), but the model was trained on \(spec.type.rawValue) values",
                    hint: "fix the values of '\(spec.name)' or retrain the model on data of this type")
            }
        }
    }

    static func compatible(expected: ColumnType, actual: ColumnType) -> Bool {
        if expected == actual { return true }
        let numeric: Set<ColumnType> = [.numeric, .boolean]
        return numeric.contains(expected) && numeric.contains(actual)
    }
}
