import ArgumentParser
import DroverML
import Foundation

/// `drover train`: fits a model on a CSV, prints holdout metrics and saves a model file.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a CSV file and save it as a .drover model file.",
        discussion: """
        Models: logistic (binary or multinomial classification), linear and
        ridge (regression), gbdt (gradient-boosted trees: two label classes →
        binary classification, else regression). Labels may be numbers or text.
        With --holdout-modulo K, data row i (0-based) is held out when
        i % K == K-1; holdout metrics are printed and stored in the model.

        Examples:
          drover train diamonds.csv --label price --holdout-modulo 5 --out p.drover
          drover train taxi.csv --label tip --model logistic --out tip.drover
        """)

    @Argument(help: "Training data (CSV with a header row).")
    var data: String

    @Option(help: "The column to predict.")
    var label: String

    @Option(help: "logistic | linear | ridge | gbdt.")
    var model: String = "gbdt"

    @Option(help: "Where to write the model file.")
    var out: String

    @Option(help: "Hold out rows with index i % K == K-1 and report metrics on them.")
    var holdoutModulo: Int?

    @Option(help: "Comma-separated columns not to use as features (e.g. id,notes).")
    var exclude: String?

    @Option(help: "Random seed (recorded in the model; training is deterministic).")
    var seed: UInt64 = 0

    @Option(help: "GBDT: number of trees.")
    var trees: Int = 100

    @Option(help: "GBDT: maximum leaves per tree.")
    var leaves: Int = 31

    @Option(help: "GBDT: learning rate (shrinkage).")
    var learningRate: Double = 0.1

    @Option(help: "GBDT: maximum bins per feature (2...256).")
    var maxBins: Int = 255

    @Option(help: "GBDT: minimum rows per leaf.")
    var minDataInLeaf: Int = 20

    @Option(help: "L2 penalty: logistic 1/C (default 1), ridge alpha (default 1), gbdt leaf lambda (default 0).")
    var l2: Double?

    @Option(help: "Logistic regression: maximum L-BFGS iterations.")
    var maxIterations: Int = 100

    @Option(help: "Continue from an earlier model of the same kind (gbdt adds trees; linear starts from its weights).")
    var warmStart: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// Option checks, thrown as `CLIError.input` so bad values exit 2 like all bad input.
    func checkOptions() throws {
        guard ModelKind(rawValue: model) != nil else {
            throw CLIError.input("unknown --model '\(model)'", hint: "use one of: logistic, linear, ridge, gbdt")
        }
        if let k = holdoutModulo, k < 2 { throw CLIError.input("--holdout-modulo must be at least 2 (got \(k))") }
        if trees < 1 || leaves < 2 { throw CLIError.input("--trees must be at least 1 and --leaves at least 2") }
        if !(learningRate > 0) { throw CLIError.input("--learning-rate must be positive (got \(learningRate))") }
        if let l2, !(l2 >= 0) { throw CLIError.input("--l2 must not be negative (got \(l2))") }
        if maxBins < 2 || maxBins > 256 { throw CLIError.input("--max-bins must be in 2...256 (got \(maxBins))") }
        if minDataInLeaf < 1 || maxIterations < 1 {
            throw CLIError.input("--min-data-in-leaf and --max-iterations must be at least 1")
        }
    }

    func run() async throws {
        try await TrainSupport.run {
            try checkOptions()
            var options = TrainingOptions(kind: ModelKind(rawValue: model)!, label: label)
            options.exclude = TrainSupport.parseList(exclude)
            options.holdoutModulo = holdoutModulo
            options.seed = seed
            options.l2 = l2
            options.trees = trees
            options.leaves = leaves
            options.learningRate = learningRate
            options.maxBins = maxBins
            options.minDataInLeaf = minDataInLeaf
            options.maxIterations = maxIterations
            options.progress = TrainProgress.reporter(enabled: !json)
            if let warmStart { options.warmStart = try ModelFile.read(path: warmStart) }

            let table = try TrainSupport.readTable(data, label: label, labelRequired: true)
            let trained = try ModelTrainer.train(table, source: data, options: options)
            try trained.write(to: out)
            try report(trained)
        }
    }

    private func report(_ m: ModelFile) throws {
        if json {
            struct Result: Encodable {
                var model: String, kind: String, task: String, classes: [String]
                var trainingRows: Int, holdoutRows: Int, seconds: Double
                var holdoutMetrics: EvaluationMetrics?
            }
            try Output.json(Result(model: out, kind: m.kind.rawValue, task: m.label.task.rawValue,
                                   classes: m.label.classes, trainingRows: m.training.trainingRows,
                                   holdoutRows: m.training.holdoutRows, seconds: m.training.seconds,
                                   holdoutMetrics: m.training.holdoutMetrics))
            return
        }
        Output.line("trained \(m.kind.rawValue) (\(m.label.task.rawValue)) on \(data): \(m.training.trainingRows) rows, "
                    + "\(m.transform.featureCount) features, \(String(format: "%.2f", m.training.seconds)) s")
        if m.training.droppedRowsMissingLabel > 0 {
            Output.line("skipped \(m.training.droppedRowsMissingLabel) rows with no '\(label)' value")
        }
        if let metrics = m.training.holdoutMetrics, let k = holdoutModulo {
            Output.line("holdout (\(m.training.holdoutRows) rows, i % \(k) == \(k - 1)):")
            TrainSupport.metricLines(metrics).forEach(Output.line)
        }
        Output.line("saved \(out)")
    }
}
