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
        binary, more text classes → multiclass, more numbers → regression;
        --objective overrides). Labels may be numbers or text. GBDT learns
        where missing values go and splits text columns by category sets.
        With --holdout-modulo K, data row i (0-based) is held out when
        i % K == K-1; holdout metrics are printed and stored in the model.

        Examples:
          drover train diamonds.csv --label price --holdout-modulo 5 --out p.drover
          drover train taxi.csv --label tip --model logistic --out tip.drover
          drover train taxi.csv --label company --bagging-fraction 0.8 --bagging-freq 1 \
            --feature-fraction 0.8 --early-stopping-rounds 10 --out company.drover
        """)

    @Argument(help: "Training data (CSV with a header row).")
    var data: String

    @Option(help: "The column to predict.")
    var label: String

    @Option(help: "logistic | linear | ridge | gbdt (default gbdt).")
    var model: String?

    @Option(help: "Where to write the model file.")
    var out: String

    @Option(help: "Hold out rows with index i % K == K-1 and report metrics on them.")
    var holdoutModulo: String?

    @Option(help: "Comma-separated columns not to use as features (e.g. id,notes).")
    var exclude: String?

    @Option(help: "Random seed (recorded in the model; training is deterministic; default 0).")
    var seed: String?

    @Option(help: "GBDT: number of trees (default 100).")
    var trees: String?

    @Option(help: "GBDT: maximum leaves per tree (default 31).")
    var leaves: String?

    @Option(help: "GBDT: learning rate (shrinkage; default 0.1).")
    var learningRate: String?

    @Option(help: "GBDT: maximum bins per feature (2...256; default 255).")
    var maxBins: String?

    @Option(help: "GBDT: minimum rows per leaf (default 20).")
    var minDataInLeaf: String?

    @Option(help: "L2 penalty: logistic 1/C (default 1), ridge alpha (default 1), gbdt leaf lambda (default 0).")
    var l2: String?

    @Option(help: "Logistic regression: maximum L-BFGS iterations (default 100).")
    var maxIterations: String?

    @Option(name: .customLong("type"), parsing: .singleValue,
            help: ArgumentHelp("Force a column's type, e.g. --type store_id=categorical (gbdt then splits it by category sets).",
                               valueName: "column=type"))
    var types: [String] = []

    @Option(help: "GBDT: binary | multiclass | regression (default: from the label).")
    var objective: String?

    @Option(help: "GBDT: fraction of rows per tree (with --bagging-freq; default 1).")
    var baggingFraction: String?

    @Option(help: "GBDT: redraw the row sample every K rounds (default 0 = no bagging).")
    var baggingFreq: String?

    @Option(help: "GBDT: fraction of features per tree (default 1).")
    var featureFraction: String?

    @Option(help: "GBDT: stop after K rounds without a lower validation loss, keep the best (default 0 = off).")
    var earlyStoppingRounds: String?

    @Option(help: "GBDT: fraction of training rows held out for early stopping (default 0.1).")
    var validationFraction: String?

    @Option(help: "GBDT: native (split text columns by category sets; default) | ordinal.")
    var categorical: String?

    @Option(help: "GBDT: most categories on the left of a split (default 32).")
    var maxCatThreshold: String?

    @Option(help: "GBDT: one-vs-rest splits up to this many bins incl. missing (default 4).")
    var maxCatToOnehot: String?

    @Option(help: "GBDT: smoothing of category statistics and minimum rows per category (default 10).")
    var catSmooth: String?

    @Option(help: "GBDT: extra L2 for categorical splits (default 10).")
    var catL2: String?

    @Option(help: "GBDT: minimum rows per category group (default 100).")
    var minDataPerGroup: String?

    @Option(help: "Threads to train with (default: one per core of this machine).")
    var threads: String?

    @Option(help: "Continue from an earlier model of the same kind (gbdt adds trees; linear starts from its weights).")
    var warmStart: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// The flags as `train` job parameters: one parser (`TrainingOptions(params:)`) checks both.
    var parameters: [String: String] {
        let given: [(String, String?)] = [
            ("label", label), ("model", model), ("holdout_modulo", holdoutModulo), ("exclude", exclude),
            ("seed", seed), ("trees", trees), ("leaves", leaves), ("learning_rate", learningRate),
            ("max_bins", maxBins), ("min_data_in_leaf", minDataInLeaf), ("l2", l2),
            ("max_iterations", maxIterations), ("threads", threads), ("objective", objective),
            ("bagging_fraction", baggingFraction), ("bagging_freq", baggingFreq), ("feature_fraction", featureFraction),
            ("early_stopping_rounds", earlyStoppingRounds), ("validation_fraction", validationFraction),
            ("categorical", categorical), ("max_cat_threshold", maxCatThreshold), ("max_cat_to_onehot", maxCatToOnehot),
            ("cat_smooth", catSmooth), ("cat_l2", catL2), ("min_data_per_group", minDataPerGroup),
        ]
        return Dictionary(uniqueKeysWithValues: given.compactMap { name, value in value.map { (name, $0) } })
    }

    func run() async throws {
        try await TrainSupport.run {
            var options = try TrainingOptions(params: parameters, spelling: .cliFlag)
            options.progress = TrainProgress.reporter(enabled: !json)
            if let warmStart { options.warmStart = try ModelFile.read(path: warmStart) }

            let table = try TrainSupport.readTable(data, label: label, labelRequired: true,
                                                   types: try TrainSupport.parseTypes(types))
            let trained = try ModelTrainer.train(table, source: data, options: options)
            try trained.write(to: out)
            try report(trained, holdoutModulo: options.holdoutModulo)
        }
    }

    private func report(_ m: ModelFile, holdoutModulo: Int?) throws {
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
