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
    /// Errors name the row, the field and what is allowed. (The hot path of a prediction: nothing
    /// is formatted or sorted unless a row is refused, and each column is appended in place.)
    public init(rows: [JSONValue], signature: InputSignature, model: @autoclosure () -> String, passThrough: Set<String> = []) throws(RequestError) {
        guard !rows.isEmpty else { throw .invalid("'rows' is empty; send at least one row object") }
        func allowed() -> String { signature.columns.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", ") }
        let specs = signature.columns
        // Each column's slot in `numbers` or `strings`.
        var slot: [Int] = [], numbers: [[Double]] = [], strings: [[String?]] = []
        for spec in specs {
            if spec.type == .categorical {
                slot.append(strings.count)
                strings.append([])
                strings[strings.count - 1].reserveCapacity(rows.count)
            } else {
                slot.append(numbers.count)
                numbers.append([])
                numbers[numbers.count - 1].reserveCapacity(rows.count)
            }
        }
        for (r, row) in rows.enumerated() {
            guard case .object(let fields) = row else {
                throw .invalid("rows[\(r)] is \(row.typeName); each row is an object of field → value (fields: \(allowed()))")
            }
            for (c, spec) in specs.enumerated() {
                guard let value = fields[spec.name] else {
                    throw .invalid("rows[\(r)] is missing field '\(spec.name)' (\(spec.type.rawValue)); send null for an unknown value. \(model()) takes: \(allowed())")
                }
                let refused: String?
                if spec.type == .categorical {
                    switch value {
                    case .string(let text): strings[slot[c]].append(text); refused = nil
                    case .null: strings[slot[c]].append(nil); refused = nil
                    default: refused = "categorical: send a string (or null)"
                    }
                } else {
                    switch (spec.type, value) {
                    case (.numeric, .number(let d)) where d.isFinite: numbers[slot[c]].append(d); refused = nil
                    case (.boolean, .bool(let b)): numbers[slot[c]].append(b ? 1 : 0); refused = nil
                    case (.boolean, .number(let d)) where d == 0 || d == 1: numbers[slot[c]].append(d); refused = nil
                    case (_, .null): numbers[slot[c]].append(.nan); refused = nil
                    case (.numeric, _): refused = "numeric: send a finite number (or null)"
                    default: refused = "boolean: send true or false (or null)"
                    }
                }
                if let refused { throw .invalid("rows[\(r)].\(spec.name) is \(value.typeName); it is \(refused)") }
            }
            // Every field of the signature was found: any other one is an extra, unless passed through.
            if fields.count > specs.count {
                let known = Set(specs.map(\.name))
                if let extra = fields.keys.sorted().first(where: { !known.contains($0) && !passThrough.contains($0) }) {
                    throw .invalid("rows[\(r)] has field '\(extra)', which \(model()) does not take; its fields are: \(allowed())")
                }
            }
        }
        columns = specs.indices.map { c in specs[c].type == .categorical ? .strings(strings[slot[c]]) : .numbers(numbers[slot[c]]) }
        count = rows.count
    }

    init(columns: [Values], count: Int) {
        self.columns = columns
        self.count = count
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
