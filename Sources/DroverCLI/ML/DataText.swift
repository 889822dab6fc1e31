import DroverML
import Foundation

/// Plain-text rendering of data reports (aligned columns, no colour, stable for diffs).
enum DataText {
    static func stats(_ s: DatasetSummary) -> String {
        var rows = [["column", "type", "missing", "distinct", "mean", "std", "min", "p50", "max", "top values"]]
        for c in s.columns {
            let missing = c.count > 0 ? "\(c.missing) (\(percent(Double(c.missing) / Double(c.count))))" : "0"
            let top = c.top.map { values in
                values.prefix(3).map { "\($0.value) \(percent(Double($0.count) / Double(max(1, c.count - c.missing))))" }
                    .joined(separator: ", ")
            } ?? ""
            rows.append([c.name, c.type.rawValue, missing, (c.distinctIsEstimate ? "≈" : "") + "\(c.distinct)",
                         number(c.mean), number(c.std), number(c.min), number(c.quantiles?["p50"]), number(c.max), top])
        }
        return "\(s.source): \(s.rowCount) rows, \(s.columns.count) columns\n" + table(rows)
    }

    static func validation(_ r: DataValidate.Report) -> String {
        var out: [String] = []
        let errors = r.anomalies.filter { $0.severity == .error }.count
        let warnings = r.anomalies.count - errors
        out.append("\(r.file): \(r.rows) rows checked against \(r.schema): \(errors) error(s), \(warnings) warning(s)")
        if !r.anomalies.isEmpty {
            out.append(table([["severity", "column", "anomaly", "details"]] + r.anomalies.map {
                [$0.severity.rawValue.uppercased(), $0.column ?? "(dataset)", $0.kind.rawValue, $0.description]
            }))
        }
        if let d = r.drift, let reference = r.reference {
            out.append("")
            out.append("Drift from \(reference): \(d.driftedCount) of \(d.columns.filter { $0.value != nil }.count) column(s) drifted "
                       + "(\(percent(d.share)); dataset drift at ≥ \(percent(d.driftShare))): "
                       + (d.datasetDrift ? "DATASET DRIFT" : "no dataset drift"))
            var rows = [["column", "method", "value", "threshold", "drifted", "ref n", "cur n", "note"]]
            for c in d.columns {
                let rule = c.method.isPValue ? "p < \(c.threshold)" : "≥ \(c.threshold)"
                rows.append([c.column, c.method.rawValue, number(c.value), rule, c.drifted ? "yes" : "no",
                             "\(c.referenceCount)", "\(c.currentCount)", c.note ?? ""])
            }
            out.append(table(rows))
            if !d.skipped.isEmpty { out.append("not compared (missing on one side or different type): \(d.skipped.joined(separator: ", "))") }
        }
        out.append("")
        var reasons: [String] = []
        if errors > 0 { reasons.append("\(errors) blocking anomal\(errors == 1 ? "y" : "ies")") }
        if r.drift?.datasetDrift == true { reasons.append("dataset drift") }
        out.append("verdict: \(r.verdict.uppercased())" + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))"))
        return out.joined(separator: "\n")
    }

    static func number(_ x: Double?) -> String {
        guard let x else { return "" }
        if x == 0 { return "0" }
        if abs(x) >= 1e6 || abs(x) < 1e-3 { return String(format: "%.3g", x) }
        return String(format: "%.4g", x)
    }

    static func percent(_ x: Double) -> String {
        let p = x * 100
        return p == p.rounded() ? "\(Int(p)) %" : String(format: "%.1f %%", p)
    }

    /// Left-aligned columns separated by two spaces, with a rule under the header.
    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map { $0.count }
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.dropFirst().map(line)).joined(separator: "\n")
    }
}
