extension Verdict {
    /// The verdict as an aligned text table, one row per check, then the notes and the outcome.
    public var table: String {
        let header = ["metric", "check", "candidate", "champion", "measured", "threshold", "result"]
        let rows = checks.map { c in
            [c.metric, c.kind.rawValue, c.candidate.map(format) ?? "missing",
             c.kind == .value ? "-" : (c.baseline.map(format) ?? "missing"),
             c.measured.map(format) ?? "-", c.threshold, c.passed ? "pass" : "FAIL"]
        }
        var widths = header.map(\.count)
        for r in rows { for (i, cell) in r.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(header)] + rows.map(line)
        for c in checks where !c.passed { out.append("  \(c.metric): \(c.reason)") }
        out += notes.map { "note: \($0)" }
        out.append("verdict: \(passed ? "PASS" : "FAIL")")
        return out.joined(separator: "\n")
    }
}

fileprivate extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
