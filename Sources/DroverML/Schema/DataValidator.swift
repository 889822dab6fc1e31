/// Checks statistics against a schema (TFDV ExampleValidator semantics).
public enum DataValidator {
    /// All anomalies, errors first, then by column order in the data.
    public static func validate(_ statistics: DatasetStatistics, schema: Schema) -> [Anomaly] {
        var anomalies: [Anomaly] = []
        if statistics.rowCount < schema.minRows {
            anomalies.append(Anomaly(.lowNumExamples, .error, column: nil,
                                     "\(statistics.rowCount) rows, the schema requires at least \(schema.minRows)"))
        }
        let present = Set(statistics.columns.map(\.name))
        for feature in schema.features where feature.required && !present.contains(feature.name) {
            anomalies.append(Anomaly(.schemaMissingColumn, .error, column: feature.name,
                                     "the column is in the schema but not in the data"))
        }
        for column in statistics.columns {
            guard let feature = schema.feature(named: column.name) else {
                anomalies.append(Anomaly(.schemaNewColumn, .warning, column: column.name,
                                         "the column is not in the schema (add it, or ignore if intended)"))
                continue
            }
            anomalies += check(column, feature)
        }
        return anomalies.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    static func check(_ column: ColumnStatistics, _ feature: FeatureSchema) -> [Anomaly] {
        var out: [Anomaly] = []
        let name = column.name
        guard column.type == feature.type else {
            return [Anomaly(.unexpectedDataType, .error, column: name,
                            "expected \(feature.type.rawValue) values but the data is \(column.type.rawValue)")]
        }
        if column.count > 0 && column.present == 0 && (feature.required || feature.presence.minFraction > 0) {
            out.append(Anomaly(.notPresent, .error, column: name, "every value is missing"))
        } else if column.presentFraction < feature.presence.minFraction {
            out.append(Anomaly(.lowFractionPresent, .error, column: name,
                               "\(percent(column.presentFraction)) of rows have a value, the schema requires \(percent(feature.presence.minFraction))"))
        }
        if let numeric = column.numeric {
            if numeric.infinite > 0 && !feature.allowInfinite {
                out.append(Anomaly(.hasInfinite, .error, column: name, "\(numeric.infinite) infinite value(s)"))
            }
            if let range = feature.range {
                let n = Double(max(1, numeric.moments.count))
                if let lo = range.min, let seen = numeric.min, seen < lo {
                    let share = numeric.sketch.rankBelow(lo) / n
                    out.append(Anomaly(.smallFloat, range.severity, column: name,
                                       "minimum \(seen) is below the allowed \(lo) (\(approximately(share)) of values)"))
                }
                if let hi = range.max, let seen = numeric.max, seen > hi {
                    let share = 1 - numeric.sketch.rank(hi) / n
                    out.append(Anomaly(.bigFloat, range.severity, column: name,
                                       "maximum \(seen) is above the allowed \(hi) (\(approximately(share)) of values)"))
                }
            }
        }
        if let domain = feature.categories, let counts = column.categories {
            let allowed = Set(domain)
            let unexpected = counts.counts.filter { !allowed.contains($0.key) }
            if !unexpected.isEmpty {
                let outside = unexpected.values.reduce(0, +)
                let share = Double(outside) / Double(max(1, column.present))
                let severity: Severity = 1 - share < feature.minDomainMass ? .error : .warning
                let examples = unexpected.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .prefix(5).map { "'\($0.key)' (\($0.value))" }.joined(separator: ", ")
                out.append(Anomaly(.unexpectedStringValues, severity, column: name,
                                   "\(unexpected.count) value(s) not in the schema's categories, \(percent(share)) of values: \(examples)"))
            }
        }
        return out
    }

    /// "≈2.50 %", or "< 0.1 %" when the sketch estimate is below its resolution.
    static func approximately(_ share: Double) -> String {
        share < 0.001 ? "< 0.1 %" : "≈" + percent(share)
    }

    static func percent(_ x: Double) -> String {
        let p = x * 100
        return p == p.rounded() ? "\(Int(p)) %" : String(format: "%.2f %%", p)
    }
}

import Foundation
