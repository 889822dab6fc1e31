/// How `CSVReader` reads a file.
public struct CSVOptions: Sendable {
    /// The field separator byte; `,` by default (`\t` for TSV).
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// Data rows to keep, 0-based and excluding the header, for reading one shard.
    /// Rows outside the range are only scanned for line breaks, not parsed.
    public var rowRange: Range<Int>? = nil
    /// Column types that override inference, by header name. A value that does not fit the
    /// forced type is an error (inference instead falls back to categorical).
    public var columnTypes: [String: ColumnType] = [:]
    /// Worker threads used for parsing; 0 = one per active core.
    public var threads: Int = 0
    /// When true, `columnTypes` entries for columns the file lacks are ignored instead of being
    /// an error (used when the types come from a schema that may list more columns).
    public var ignoresUnknownColumnTypes = false
    /// Checked between parsing phases and every 65,536 rows; when tripped, reading stops with
    /// `DataError.Code.cancelled`.
    public var cancellation: CancellationToken? = nil

    public init(delimiter: UInt8 = UInt8(ascii: ","), rowRange: Range<Int>? = nil,
                columnTypes: [String: ColumnType] = [:], threads: Int = 0,
                ignoresUnknownColumnTypes: Bool = false) {
        self.delimiter = delimiter
        self.rowRange = rowRange
        self.columnTypes = columnTypes
        self.threads = threads
        self.ignoresUnknownColumnTypes = ignoresUnknownColumnTypes
    }
}
