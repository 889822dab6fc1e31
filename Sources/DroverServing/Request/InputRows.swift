import DroverML

/// Rows of one request after validation against a model's signature, stored by column in the
/// signature's order: numbers (NaN = missing) or category strings (nil = missing). Requests are
/// concatenated into one batch before the model runs.
public struct InputRows: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case numbers([Double])
        case strings([String?])
    }

    public var columns: [Values]
    public var count: Int

    /// Validates `rows` (JSON objects) against `signature`: every field present with its type,
    /// no field the model does not take (unless listed in `passThrough`, e.g. an entity key).
    /// Errors name the row, the field and what is allowed.
    public init(rows: [JSONValue], signature: InputSignature, model: String, passThrough: Set<String> = []) throws(RequestError) {
        guard !rows.isEmpty else { throw .invalid("'rows' is empty; send at least one row object") }
        let allowed = signature.columns.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", ")
        var columns: [Values] = signature.columns.map {
            $0.type == .categorical ? .strings([]) : .numbers([])
        }
        for (r, row) in rows.enumerated() {
            guard case .object(let fields) = row else {
                throw .invalid("rows[\(r)] is \(row.typeName); each row is an object of field → value (fields: \(allowed))")
            }
            let known = Set(signature.columns.map(\.name))
            if let extra = fields.keys.sorted().first(where: { !known.contains($0) && !passThrough.contains($0) }) {
                throw .invalid("rows[\(r)] has field '\(extra)', which \(model) does not take; its fields are: \(allowed)")
            }
            for (c, spec) in signature.columns.enumerated() {
                guard let value = fields[spec.name] else {
                    throw .invalid("rows[\(r)] is missing field '\(spec.name)' (\(spec.type.rawValue)); send null for an unknown value. \(model) takes: \(allowed)")
                }
                try Self.append(value, spec: spec, row: r, to: &columns[c])
            }
        }
        self.columns = columns
        self.count = rows.count
    }

    init(columns: [Values], count: Int) {
        self.columns = columns
        self.count = count
    }

    private static func append(_ value: JSONValue, spec: ColumnSpec, row: Int, to column: inout Values) throws(RequestError) {
        let at = "rows[\(row)].\(spec.name)"
        switch (spec.type, value, column) {
        case (.categorical, .string(let s), .strings(var list)):
            list.append(s); column = .strings(list)
        case (.categorical, .null, .strings(var list)):
            list.append(nil); column = .strings(list)
        case (.categorical, _, _):
            throw .invalid("\(at) is \(value.typeName); it is categorical: send a string (or null)")
        case (.numeric, .number(let d), .numbers(var list)) where d.isFinite:
            list.append(d); column = .numbers(list)
        case (.boolean, .bool(let b), .numbers(var list)):
            list.append(b ? 1 : 0); column = .numbers(list)
        case (.boolean, .number(let d), .numbers(var list)) where d == 0 || d == 1:
            list.append(d); column = .numbers(list)
        case (_, .null, .numbers(var list)):
            list.append(.nan); column = .numbers(list)
        case (.numeric, _, _):
            throw .invalid("\(at) is \(value.typeName); it is numeric: send a finite number (or null)")
        default:
            throw .invalid("\(at) is \(value.typeName); it is boolean: send true or false (or null)")
        }
    }

    /// The rows of several requests, one after the other.
    public static func concatenate(_ parts: [InputRows]) -> InputRows {
        guard var out = parts.first else { return InputRows(columns: [], count: 0) }
        for part in parts.dropFirst() {
            for c in out.columns.indices {
                switch (out.columns[c], part.columns[c]) {
                case (.numbers(let a), .numbers(let b)): out.columns[c] = .numbers(a + b)
                case (.strings(let a), .strings(let b)): out.columns[c] = .strings(a + b)
                default: preconditionFailure("rows of different signatures in one batch")
                }
            }
            out.count += part.count
        }
        return out
    }

    /// A DroverML table with the signature's column names and types.
    public func table(_ signature: InputSignature) -> Table {
        var out: [Column] = []
        for (spec, values) in zip(signature.columns, columns) {
            switch values {
            case .numbers(let n):
                out.append(Column(name: spec.name, numbers: n, type: spec.type))
            case .strings(let s):
                var index: [String: Int32] = [:]
                var categories: [String] = []
                let codes = s.map { v -> Int32 in
                    guard let v else { return -1 }
                    if let i = index[v] { return i }
                    let i = Int32(categories.count)
                    index[v] = i
                    categories.append(v)
                    return i
                }
                out.append(Column(name: spec.name, codes: codes, categories: categories))
            }
        }
        return Table(columns: out, rowCount: count)
    }
}
