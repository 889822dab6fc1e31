import Foundation

/// Trains a model on a table: checks the columns, splits off the holdout, fits the feature
/// transform on the training rows, fits the model and scores the holdout. `cancellation` is checked
/// between the steps and inside the fits (boosting rounds, L-BFGS iterations); when tripped,
/// training stops with `Cancelled`.
public enum ModelTrainer {
    public static func train(_ table: Table, source: String, options o: TrainingOptions,
                             cancellation: CancellationToken? = nil) throws -> ModelFile {
        let started = Date()
        let names = table.columnNames
        guard let labelColumn = table.column(named: o.label) else {
            throw ModelError.input("label column '\(o.label)' is not in \(source)",
                                   hint: "the file has columns: \(names.joined(separator: ", "))")
        }
        for name in o.exclude where table.column(named: name) == nil {
            throw ModelError.input("\(o.spelling.name("exclude")) names column '\(name)', which is not in \(source)",
                                   hint: "the file has columns: \(names.joined(separator: ", "))")
        }
        if let k = o.holdoutModulo, k < 2 {
            throw ModelError.input("\(o.spelling.name("holdout_modulo")) must be at least 2 (got \(k))")
        }
        let featureNames = names.filter { $0 != o.label && !o.exclude.contains($0) }
        guard !featureNames.isEmpty else {
            throw ModelError.input("\(source) has no feature columns besides label '\(o.label)'\(o.exclude.isEmpty ? "" : " and the excluded ones")",
                                   hint: "a model needs at least one input column")
        }

        // Rows: drop missing labels, then split train/holdout by row index.
        var trainRows: [Int] = [], holdoutRows: [Int] = []
        var dropped = 0
        for r in 0..<table.rowCount {
            if labelColumn.isMissing(r) { dropped += 1; continue }
            if let k = o.holdoutModulo, r % k == k - 1 { holdoutRows.append(r) } else { trainRows.append(r) }
        }
        guard !trainRows.isEmpty else {
            throw ModelError.input("\(source) has no training rows with a value in label '\(o.label)'")
        }

        let warm = o.warmStart
        if let warm {
            guard warm.kind == o.kind else {
                throw ModelError.input("cannot warm-start a \(o.kind.rawValue) model from a \(warm.kind.rawValue) model")
            }
            try warm.signature.check(table, source: source)
        }
        let label = try warm?.label ?? labelInfo(labelColumn, rows: trainRows, options: o, source: source)
        let targets = try encodeTargets(labelColumn, rows: trainRows, label: label, source: source, spelling: o.spelling)

        let signature = warm?.signature ?? InputSignature(columns: featureNames.map {
            ColumnSpec(name: $0, type: table.column(named: $0)!.type)
        })
        let transform = try warm?.transform ?? FeatureTransform.fit(
            table, columns: featureNames, rows: trainRows,
            options: o.kind == .gbdt ? .gbdt : .linear, source: source, spelling: o.spelling)
        try cancellation?.check()
        let x = transform.apply(table, rows: trainRows)
        try cancellation?.check()

        var params = TrainingParameters(seed: o.seed, holdoutModulo: o.holdoutModulo, excluded: o.exclude)
        var linear: LinearWeights?
        var gbdt: GBDTModel?
        var iterations: Int?, converged: Bool?
        switch o.kind {
        case .linear, .ridge:
            let alpha = o.kind == .ridge ? (o.l2 ?? 1.0) : 0
            params.alpha = alpha
            linear = try LinearRegressionTrainer(alpha: alpha, shards: o.shards, threads: o.threads)
                .fit(x, targets: targets, spelling: o.spelling)
        case .logistic:
            params.l2 = o.l2 ?? 1.0
            params.maxIterations = o.maxIterations
            let trainer = LogisticRegressionTrainer(l2: o.l2 ?? 1.0, maxIterations: o.maxIterations,
                                                    tolerance: o.tolerance, shards: o.shards, threads: o.threads)
            let (w, result) = try trainer.fit(x, labels: targets, classCount: label.classes.count, initial: warm?.linear,
                                              cancellation: cancellation)
            linear = w
            iterations = result.iterations
            converged = result.converged
        case .gbdt:
            let trainer = gbdtTrainer(o, transform: transform)
            let objective: GBDTObjective = label.task == .regression ? .squaredError
                : (label.classes.count > 2 || o.objective == .multiclass ? .multiclass : .binaryLogLoss)
            params.record(o, trainer: trainer, objective: objective, warmStartTrees: warm?.gbdt?.trees.count)
            let fitted = try trainer.fit(x, targets: targets, objective: objective, classCount: label.classes.count,
                                         initial: warm?.gbdt, cancellation: cancellation)
            if o.earlyStoppingRounds > 0 { params.bestIteration = fitted.rounds - (warm?.gbdt?.rounds ?? 0) }
            gbdt = fitted
        }

        try cancellation?.check()
        let info = TrainingInfo(
            source: source, trainingRows: trainRows.count, holdoutRows: holdoutRows.count,
            droppedRowsMissingLabel: dropped,
            startedAt: ISO8601DateFormatter().string(from: started), seconds: 0,
            parameters: params, holdoutMetrics: nil, iterations: iterations, converged: converged)
        var model = ModelFile(kind: o.kind, signature: signature, label: label, transform: transform,
                              linear: linear, gbdt: gbdt, training: info)
        model.training.seconds = Date().timeIntervalSince(started)
        if !holdoutRows.isEmpty {
            let xh = transform.apply(table, rows: holdoutRows)
            let yh = try encodeTargets(labelColumn, rows: holdoutRows, label: label, source: source, spelling: o.spelling)
            model.training.holdoutMetrics = model.metrics(model.predict(features: xh, threads: o.threads), targets: yh)
        }
        return model
    }

    /// The task: regression for linear models; classes for logistic. GBDT follows `objective`,
    /// else two classes → binary, more text classes → multiclass, more numbers → regression.
    static func labelInfo(_ c: Column, rows: [Int], options o: TrainingOptions, source: String) throws -> LabelInfo {
        try labelInfo(name: c.name, type: c.type, classes: LabelEncoding.classes(c, rows: rows), options: o, source: source)
    }

    /// The same from the label's type and its distinct training values in class order (also
    /// what data-parallel training merges from its shards).
    static func labelInfo(name: String, type: ColumnType, classes: [String], options o: TrainingOptions,
                          source: String) throws -> LabelInfo {
        switch o.kind {
        case .linear, .ridge:
            return LabelInfo(name: name, task: .regression, classes: [])
        case .logistic, .gbdt:
            if o.kind == .gbdt {
                let numeric = type != .categorical || classes.allSatisfy { Double($0) != nil }
                let objective = o.objective ?? (classes.count > 2 && numeric ? .squaredError : nil)
                if objective == .squaredError { return LabelInfo(name: name, task: .regression, classes: []) }
                if objective == .binaryLogLoss && classes.count > 2 {
                    throw ModelError.input(
                        "label '\(name)' in \(source) has \(classes.count) classes, but \(o.spelling.setting("objective", "binary")) needs two",
                        hint: "use \(o.spelling.setting("objective", "multiclass"))")
                }
            }
            guard classes.count >= 2 else {
                throw ModelError.input(
                    "label '\(name)' in \(source) has only one class ('\(classes.first ?? "")') in the training rows; a classifier needs at least two",
                    hint: "check the label column, or use more rows")
            }
            return LabelInfo(name: name, task: classes.count == 2 ? .binary : .multiclass, classes: classes)
        }
    }

    static func encodeTargets(_ c: Column, rows: [Int], label: LabelInfo, source: String,
                              spelling: OptionSpelling = .jobParameter) throws -> [Double] {
        if label.task == .regression {
            return try rows.map { try LabelEncoding.number(c, $0, source: source, spelling: spelling) ?? .nan }
        }
        return try LabelEncoding.classIndices(c, rows: rows, classes: label.classes, source: source)
    }
}

extension ModelTrainer {
    /// The GBDT learner configured from the options; categorical columns (ordinal level
    /// indices in the transform) are split by category sets unless `categoricalSplits` is off.
    static func gbdtTrainer(_ o: TrainingOptions, transform: FeatureTransform) -> GBDTTrainer {
        var trainer = GBDTTrainer()
        trainer.trees = o.trees
        trainer.leaves = o.leaves
        trainer.learningRate = o.learningRate
        trainer.maxBins = o.maxBins
        trainer.minDataInLeaf = o.minDataInLeaf
        trainer.l2 = o.l2 ?? 0
        trainer.shards = o.shards
        trainer.threads = o.threads
        trainer.progress = o.progress
        trainer.sampling = o.sampling
        trainer.sampling.seed = o.seed
        trainer.categorical = o.categorical
        if o.earlyStoppingRounds > 0 {
            trainer.earlyStopping = GBDTEarlyStopping(rounds: o.earlyStoppingRounds, validationFraction: o.validationFraction)
        }
        if o.categoricalSplits {
            var j = 0
            for step in transform.steps {
                switch step {
                case .numeric: j += 1
                case .categorical(let c):
                    if c.encoding == .ordinal { trainer.categoricalFeatures.insert(j) }
                    j += c.width
                }
            }
        }
        return trainer
    }
}

extension TrainingParameters {
    /// Records the GBDT settings that shaped the model.
    mutating func record(_ o: TrainingOptions, trainer: GBDTTrainer, objective: GBDTObjective, warmStartTrees: Int?) {
        (trees, leaves, learningRate) = (o.trees, o.leaves, o.learningRate)
        (maxBins, minDataInLeaf, l2) = (o.maxBins, o.minDataInLeaf, trainer.l2)
        self.objective = objective.rawValue
        self.warmStartTrees = warmStartTrees
        if trainer.sampling.bagging {
            (baggingFraction, baggingFreq) = (o.sampling.baggingFraction, o.sampling.baggingFrequency)
        }
        if o.sampling.featureFraction < 1 { featureFraction = o.sampling.featureFraction }
        if let e = trainer.earlyStopping { (earlyStoppingRounds, validationFraction) = (e.rounds, e.validationFraction) }
        categoricalFeatures = trainer.categoricalFeatures.count
    }
}
