import ArgumentParser
import DroverML
import Foundation

/// `drover bench ml-models`: times Drover's learners on a CSV with the holdout split, for
/// comparison with sklearn/LightGBM (bench/ml/models_bench.py).
struct BenchMLModels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ml-models",
        abstract: "Benchmark Drover's built-in learners on a CSV file.",
        discussion: """
        Reads the CSV once, trains each model on the rows with i % K != K-1
        and scores the rest. Times cover preprocessing and fitting (not CSV
        parsing or scoring). bench/ml/models_bench.py generates the 1M-row
        file and compares with sklearn and LightGBM.

        Example:
          drover bench ml-models --csv /tmp/drover_models_1m.csv --json
        """)

    @Option(help: "The data (CSV with a header row).")
    var csv: String

    @Option(help: "Label column (default: the last column).")
    var label: String?

    @Option(help: "Comma-separated models to run: logistic, linear, ridge, gbdt.")
    var models: String = "logistic,gbdt"

    @Option(help: "Hold out rows with i % K == K-1.")
    var holdoutModulo: Int = 5

    @Option(help: "GBDT trees.")
    var trees: Int = 100

    @Flag(help: "Print results as JSON.")
    var json = false

    struct Row: Encodable {
        var model: String
        var trainSeconds: Double
        /// Process CPU time (user + system) spent training: on a loaded machine this shows
        /// the work done independently of how long the scheduler kept the threads waiting.
        var cpuSeconds: Double
        var iterations: Int?
        var metrics: EvaluationMetrics?
    }

    func run() async throws {
        try await TrainSupport.run {
            guard holdoutModulo >= 2, trees >= 1 else {
                throw CLIError.input("--holdout-modulo must be at least 2 and --trees at least 1")
            }
            let kinds = try TrainSupport.modelKinds(models)
            let start = Date()
            let header = try CSVReader.read(path: csv, options: CSVOptions(rowRange: 0..<1))
            let labelName = label ?? header.columnNames.last ?? ""
            let table = try TrainSupport.readTable(csv, label: labelName, labelRequired: true)
            let readSeconds = Date().timeIntervalSince(start)
            if !json {
                Output.line("read \(csv): \(table.rowCount) rows × \(table.columns.count) columns in \(String(format: "%.2f", readSeconds)) s")
            }
            var rows: [Row] = []
            for kind in kinds {
                var o = TrainingOptions(kind: kind, label: labelName)
                o.holdoutModulo = holdoutModulo
                o.trees = trees
                let cpu0 = Self.cpuSeconds()
                let m = try ModelTrainer.train(table, source: csv, options: o)
                let cpu = Self.cpuSeconds() - cpu0
                let row = Row(model: kind.rawValue, trainSeconds: m.training.seconds, cpuSeconds: cpu,
                              iterations: m.training.iterations,
                              metrics: m.training.holdoutMetrics)
                rows.append(row)
                if !json {
                    let metrics = (row.metrics?.items ?? []).map { "\($0.0)=\(TrainSupport.format($0.1))" }.joined(separator: "  ")
                    Output.line("\(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) train \(String(format: "%7.3f", row.trainSeconds)) s (cpu \(String(format: "%.2f", row.cpuSeconds)) s)  \(metrics)")
                }
            }
            if json { try Output.json(rows) }
        }
    }

    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
