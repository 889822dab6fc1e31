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

    public init(delimiter: UInt8 = UInt8(ascii: ","), rowRange: Range<Int>? = nil,
                columnTypes: [String: ColumnType] = [:], threads: Int = 0) {
        self.delimiter = delimiter
        self.rowRange = rowRange
        self.columnTypes = columnTypes
        self.threads = threads
    }
}
