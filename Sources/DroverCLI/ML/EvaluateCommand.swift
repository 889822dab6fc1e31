import ArgumentParser
import DroverML
import Foundation

/// `drover evaluate`: metrics of a saved model on labelled data.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a saved model on a labelled CSV file.",
        discussion: """
        The file needs the model's input columns (same names and types) and
        its label column. Classifiers report accuracy, precision, recall, F1,
        ROC AUC (binary) and log loss; regressors report RMSE, MAE and R².

        Example:
          drover evaluate price.drover diamonds_2024.csv --json
        """)

    @Argument(help: "A model file written by drover train.")
    var model: String

    @Argument(help: "Labelled data (CSV with a header row).")
    var data: String

    @Flag(help: "Print the metrics as JSON.")
    var json = false

    func run() async throws {
        try await TrainSupport.run {
            let m = try ModelFile.read(path: model)
            let table = try TrainSupport.readTable(data, label: m.label.name, labelRequired: true, model: m)
            let metrics = try m.evaluate(table, source: data)
            if json {
                try Output.json(metrics)
            } else {
                Output.line("\(m.kind.rawValue) model \(model) on \(data) (\(metrics.rows) rows):")
                TrainSupport.metricLines(metrics).forEach(Output.line)
            }
        }
    }
}
