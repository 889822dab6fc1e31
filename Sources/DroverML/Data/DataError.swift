/// A problem with input data, a schema file or a statistics payload: what is wrong, where
/// (file, line, column, field) and what to do about it. Thrown by `CSVReader`, `Schema` and friends.
public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Stable machine-readable kinds, so callers can branch without parsing messages.
    public enum Code: String, Sendable, Codable {
        case fileUnreadable, emptyFile, noDataRows, raggedRow, unterminatedQuote
        case duplicateColumn, unknownColumn, notNumeric, notBoolean
        case invalidSchema, invalidArgument
        /// Reading stopped because the caller's `CSVOptions.cancellation` was tripped.
        case cancelled
    }

    public var code: Code
    /// What is wrong, in one sentence.
    public var message: String
    /// The file or source name the problem is in, if any.
    public var source: String?
    /// 1-based line in `source`, counting the header as line 1.
    public var line: Int?
    /// The column (header name) involved, if any.
    public var column: String?
    /// The offending field text, shortened to 60 characters.
    public var field: String?
    /// What the user can do about it.
    public var hint: String?

    public init(_ code: Code, _ message: String, source: String? = nil, line: Int? = nil,
                column: String? = nil, field: String? = nil, hint: String? = nil) {
        self.code = code
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.field = field.map { $0.count > 60 ? String($0.prefix(57)) + "..." : $0 }
        self.hint = hint
    }

    /// `file.csv:12: column 'price': field "abc": not a number (hint: ...)`.
    public var description: String {
        var location = ""
        if let source { location += source }
        if let line { location += ":\(line)" }
        var text = location.isEmpty ? "" : location + ": "
        if let column { text += "column '\(column)': " }
        if let field { text += "field \"\(field)\": " }
        text += message
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}
