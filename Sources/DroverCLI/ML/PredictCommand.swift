import ArgumentParser
import DroverML
import Foundation

/// `drover predict`: writes predictions for every row of a CSV as CSV on stdout.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every row of a CSV file with a saved model; CSV on stdout.",
        discussion: """
        One output row per input row: `prediction` (class name or value) and,
        for classifiers, `probability` of the predicted class. --keep copies
        input columns (e.g. an id) in front. The input needs the model's
        columns with the same types; extra columns (and the label) are ignored.

        Example:
          drover predict tip.drover new_trips.csv --keep trip_id > predictions.csv
        """)

    @Argument(help: "A model file written by drover train.")
    var model: String

    @Argument(help: "Data to predict (CSV with a header row).")
    var data: String

    @Option(help: "Comma-separated input columns to copy into the output.")
    var keep: String?

    func run() async throws {
        try await TrainSupport.run {
            let m = try ModelFile.read(path: model)
            let table = try TrainSupport.readTable(data, label: m.label.name, labelRequired: false, model: m)
            let kept = try TrainSupport.parseList(keep).map { name in
                guard let c = table.column(named: name) else {
                    throw CLIError.input("--keep names column '\(name)', which is not in \(data)",
                                         hint: "the file has columns: \(table.columnNames.joined(separator: ", "))")
                }
                return c
            }
            let p = try m.predict(table, source: data)
            var out = ""
            out.reserveCapacity(table.rowCount * 24)
            out += (kept.map { csvField($0.name) } + ["prediction"] + (m.label.task.isClassification ? ["probability"] : []))
                .joined(separator: ",") + "\n"
            for r in 0..<table.rowCount {
                for c in kept { out += csvField(cell(c, r)) + "," }
                if m.label.task.isClassification {
                    let k = p.classes[r]
                    out += csvField(m.label.classes[k]) + "," + String(p.probabilities[r * p.classCount + k]) + "\n"
                } else {
                    out += String(p.values[r]) + "\n"
                }
                if out.utf8.count > 1 << 20 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    private func cell(_ c: Column, _ r: Int) -> String {
        if c.type == .categorical { return c.category(at: r) ?? "" }
        let v = c.numbers[r]
        return v.isNaN ? "" : (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v))
    }

    private func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
