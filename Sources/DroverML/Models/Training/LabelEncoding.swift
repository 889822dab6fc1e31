import Foundation

/// Turns a label column into model targets: class indices for classification (names kept in
/// `LabelInfo.classes`), numbers for regression. Numeric class names sort numerically.
enum LabelEncoding {
    /// The label value of `row` as text, or nil when missing.
    static func text(_ c: Column, _ row: Int) -> String? {
        switch c.type {
        case .categorical: return c.category(at: row)
        case .numeric, .boolean:
            let v = c.numbers[row]
            if v.isNaN { return nil }
            return format(v)
        }
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// The label as a number, or nil when missing; throws when a categorical value is not a number.
    static func number(_ c: Column, _ row: Int, source: String, spelling: OptionSpelling = .jobParameter) throws -> Double? {
        switch c.type {
        case .numeric, .boolean:
            let v = c.numbers[row]
            return v.isNaN ? nil : v
        case .categorical:
            guard let s = c.category(at: row) else { return nil }
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)) else {
                throw ModelError.input(
                    "label '\(c.name)' in \(source) has the non-numeric value '\(s)' (data row \(row)), but the model does regression",
                    hint: "use \(spelling.setting("model", "logistic")) or \(spelling.setting("model", "gbdt")) to classify text labels")
            }
            return v
        }
    }

    /// Distinct classes of the label over `rows`, sorted numerically when all are numbers.
    static func classes(_ c: Column, rows: [Int]) -> [String] {
        var seen = Set<String>()
        for r in rows { if let t = text(c, r) { seen.insert(t) } }
        return sorted(seen)
    }

    /// Class names in class order: numerically when all are numbers, else as text.
    static func sorted(_ seen: Set<String>) -> [String] {
        let all = Array(seen)
        let numbers = all.compactMap { Double($0) }
        if numbers.count == all.count {
            return all.sorted { Double($0)! < Double($1)! }
        }
        return all.sorted()
    }

    /// Class indices of `rows`; throws when a value is not one of `classes`.
    static func classIndices(_ c: Column, rows: [Int], classes: [String], source: String) throws -> [Double] {
        var index: [String: Int] = [:]
        for (i, name) in classes.enumerated() { index[name] = i }
        return try rows.map { r in
            let t = text(c, r) ?? ""
            guard let i = index[t] else {
                throw ModelError.input("label '\(c.name)' in \(source) has the value '\(t)' (data row \(r)), which is not a class the model knows",
                                       hint: "known classes: \(classes.joined(separator: ", "))")
            }
            return Double(i)
        }
    }
}
