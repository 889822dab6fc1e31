import Foundation

extension Schema {
    /// Parses and checks a schema file's JSON. Errors name the field path (`features[2].type`),
    /// what was expected and what to do.
    public static func decode(_ data: Data, source: String = "schema") throws(DataError) -> Schema {
        let schema: Schema
        do {
            schema = try JSONDecoder().decode(Schema.self, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error, source: source)
        } catch {
            throw DataError(.invalidSchema, "cannot read the schema: \(error)", source: source)
        }
        try schema.check(source: source)
        return schema
    }

    public static func load(path: String) throws(DataError) -> Schema {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.fileUnreadable, "cannot read the schema file", source: path,
                            hint: "check the path; create one with `drover data schema train.csv > schema.json`")
        }
        return try decode(data, source: path)
    }

    /// Pretty, key-sorted JSON, ready to be edited by hand and committed.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Semantic checks JSON decoding cannot express.
    func check(source: String) throws(DataError) {
        func fail(_ path: String, _ message: String, _ hint: String) -> DataError {
            DataError(.invalidSchema, "\(path): \(message)", source: source, hint: hint)
        }
        guard version == Schema.currentVersion else {
            throw fail("version", "unsupported schema version \(version)",
                       "this drover reads version \(Schema.currentVersion); regenerate with `drover data schema`")
        }
        guard minRows >= 0 else { throw fail("minRows", "must be ≥ 0, found \(minRows)", "use 0 to disable the check") }
        var seen: Set<String> = []
        for (i, f) in features.enumerated() {
            let path = "features[\(i)] ('\(f.name)')"
            guard seen.insert(f.name).inserted else {
                throw fail(path, "the feature name appears twice", "keep one entry per column")
            }
            guard (0...1).contains(f.presence.minFraction) else {
                throw fail(path + ".presence.minFraction", "must be between 0 and 1, found \(f.presence.minFraction)",
                           "1 means every row must have a value")
            }
            guard (0...1).contains(f.minDomainMass) else {
                throw fail(path + ".minDomainMass", "must be between 0 and 1, found \(f.minDomainMass)",
                           "1 means every value must be in `categories`")
            }
            if let lo = f.range?.min, let hi = f.range?.max, lo > hi {
                throw fail(path + ".range", "min \(lo) is greater than max \(hi)", "swap or fix the bounds")
            }
            if f.range != nil && f.type != .numeric {
                throw fail(path + ".range", "a range only applies to numeric features, this one is \(f.type.rawValue)",
                           "remove `range` or change `type`")
            }
            if f.categories != nil && f.type != .categorical {
                throw fail(path + ".categories", "categories only apply to categorical features, this one is \(f.type.rawValue)",
                           "remove `categories` or change `type`")
            }
            if let drift = f.drift, !(drift.threshold?.isFinite ?? true) || (drift.threshold ?? 0) < 0 {
                throw fail(path + ".drift.threshold", "must be a finite number ≥ 0", "e.g. 0.1 for distances, 0.05 for p-values")
            }
        }
    }

    static func describe(_ error: DecodingError, source: String) -> DataError {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            let trimmed = text.hasPrefix(".") ? String(text.dropFirst()) : text
            return trimmed.isEmpty ? "top level" : trimmed
        }
        let hint = "see docs/ml-data.md for the schema format, or regenerate it with `drover data schema FILE`"
        switch error {
        case let .keyNotFound(key, context):
            return DataError(.invalidSchema, "\(path(context.codingPath + [key])): required field is missing",
                             source: source, hint: hint)
        case let .typeMismatch(type, context):
            return DataError(.invalidSchema, "\(path(context.codingPath)): expected \(describe(type))",
                             source: source, hint: hint)
        case let .valueNotFound(type, context):
            return DataError(.invalidSchema, "\(path(context.codingPath)): expected \(describe(type)), found null",
                             source: source, hint: hint)
        case let .dataCorrupted(context):
            let field = path(context.codingPath)
            if field.hasSuffix("type") {
                return DataError(.invalidSchema, "\(field): expected one of \(ColumnType.allCases.map(\.rawValue).joined(separator: ", "))",
                                 source: source, hint: hint)
            }
            if field.hasSuffix("severity") {
                return DataError(.invalidSchema, "\(field): expected \"warning\" or \"error\"", source: source, hint: hint)
            }
            if field.hasSuffix("method") {
                return DataError(.invalidSchema, "\(field): expected one of \(DriftMethod.allCases.map(\.rawValue).joined(separator: ", "))",
                                 source: source, hint: hint)
            }
            if context.codingPath.isEmpty {
                return DataError(.invalidSchema, "not valid JSON: \(context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription)",
                                 source: source, hint: hint)
            }
            return DataError(.invalidSchema, "\(field): \(context.debugDescription)", source: source, hint: hint)
        @unknown default:
            return DataError(.invalidSchema, "\(error)", source: source, hint: hint)
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is [FeatureSchema].Type, is [String].Type: return "an array"
        default: return "an object"
        }
    }
}
