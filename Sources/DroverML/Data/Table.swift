/// The kind of values a column holds, inferred from a CSV or declared in a schema.
public enum ColumnType: String, Codable, Sendable, CaseIterable {
    /// Floating-point numbers; missing values are NaN in `Column.numbers`.
    case numeric
    /// Strings from a finite set, dictionary-encoded; missing values have code -1.
    case categorical
    /// true/false (also yes/no, 1/0 when inferred so); stored as 1.0/0.0 with NaN for missing.
    case boolean
}

/// One named column of a `Table`, stored densely for fast shard-level compute.
///
/// Numeric and boolean columns use `numbers` (NaN = missing). Categorical columns use
/// `codes` into `categories` (-1 = missing). Exactly one of the two storages is non-empty
/// unless the table has zero rows.
public struct Column: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public var numbers: [Double]
    public var codes: [Int32]
    public var categories: [String]

    public init(name: String, numbers: [Double], type: ColumnType = .numeric) {
        self.name = name
        self.type = type
        self.numbers = numbers
        self.codes = []
        self.categories = []
    }

    public init(name: String, codes: [Int32], categories: [String]) {
        self.name = name
        self.type = .categorical
        self.numbers = []
        self.codes = codes
        self.categories = categories
    }

    public var count: Int { type == .categorical ? codes.count : numbers.count }

    /// True when the value at `row` is missing.
    @inlinable public func isMissing(_ row: Int) -> Bool {
        type == .categorical ? codes[row] < 0 : numbers[row].isNaN
    }

    /// The category string at `row`, or nil when missing or not categorical.
    public func category(at row: Int) -> String? {
        guard type == .categorical, codes[row] >= 0 else { return nil }
        return categories[Int(codes[row])]
    }
}

/// A columnar table: the unit every DroverML computation takes, whole or as a row-range shard.
public struct Table: Sendable, Equatable {
    public var columns: [Column]
    public var rowCount: Int

    public init(columns: [Column]) {
        self.columns = columns
        self.rowCount = columns.first?.count ?? 0
    }

    public var columnNames: [String] { columns.map(\.name) }

    public func column(named name: String) -> Column? { columns.first { $0.name == name } }

    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }
}

extension Table {
    /// A table with an explicit row count, so zero-column or zero-row shards keep their size.
    public init(columns: [Column], rowCount: Int) {
        self.columns = columns
        self.rowCount = rowCount
    }
}
