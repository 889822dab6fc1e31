import Foundation

/// The coordinator's side of data-parallel training: fits the feature transform and the bins
/// from the shards' summaries, then drives the learner round by round, merging the shards'
/// partials (Gram matrices, loss/gradients, gradient/hessian histograms) in shard order. The
/// model equals `ModelTrainer.train` on the concatenated shards up to the order of
/// floating-point sums (tests check it).
public struct DistributedTrainer {
    public var options: TrainingOptions
    public var source: String

    public init(options: TrainingOptions, source: String) {
        self.options = options
        self.source = source
    }

    public func train(_ shards: ShardTransport, cancellation: CancellationToken? = nil) throws -> ModelFile {
        let started = Date()
        let transport = SetUpReplay(shards)
        let o = options
        if o.earlyStoppingRounds > 0 {
            throw ModelError.input("\(o.spelling.name("early_stopping_rounds")) is not available in data-parallel training",
                                   hint: "leave it out, or train on one worker")
        }
        // 1. Rows and column types of every shard; a type any shard sees as text is text.
        var offsets: [Int] = [], total = 0
        var columns: [ColumnSpec] = []
        for reply in try transport.broadcast(.describe) {
            guard case .described(let rows, let cols) = reply else { throw unexpected(reply, "describe") }
            offsets.append(total)
            total += rows
            if columns.isEmpty { columns = cols }
            guard cols.map(\.name) == columns.map(\.name) else {
                throw ModelError.input("the shards of \(source) have different columns",
                                       hint: "every shard must have the header \(columns.map(\.name).joined(separator: ","))")
            }
            for (i, c) in cols.enumerated() { columns[i].type = Self.wider(columns[i].type, c.type) }
        }
        guard columns.contains(where: { $0.name == o.label }) else {
            throw ModelError.input("label column '\(o.label)' is not in \(source)",
                                   hint: "the file has columns: \(columns.map(\.name).joined(separator: ", "))")
        }
        let features = columns.filter { $0.name != o.label && !o.exclude.contains($0.name) }
        guard !features.isEmpty else { throw ModelError.input("\(source) has no feature columns besides label '\(o.label)'") }

        // 2. Transform and label from the merged summaries of the training rows.
        let summaries = try transport.exchange((0..<transport.shardCount).map { s in
            (s, .summarize(SummaryRequest(rowOffset: offsets[s], columns: columns, label: o.label,
                                          features: features.map(\.name), holdoutModulo: o.holdoutModulo)))
        }).map { reply -> TransformSummary in
            guard case .summary(let s) = reply else { throw unexpected(reply, "summarize") }
            return s
        }
        let summary = summaries.merged()!
        guard summary.trainingRows > 0 else {
            throw ModelError.input("\(source) has no training rows with a value in label '\(o.label)'")
        }
        let labelColumn = columns.first { $0.name == o.label }!
        let label = try o.warmStart?.label ?? ModelTrainer.labelInfo(
            name: o.label, type: labelColumn.type, classes: LabelEncoding.sorted(summary.labelValues), options: o, source: source)
        var transform = try o.warmStart?.transform ?? summary.transform(
            features: features, options: o.kind == .gbdt ? .gbdt : .linear, source: source, spelling: o.spelling)
        if o.warmStart == nil && transform.options.standardize {
            transform = try standardize(transform, rows: summary.trainingRows, transport: transport)
        }
        var trainingOffsets: [Int] = []
        var rows = 0, targetSum = 0.0
        var classCounts = [Int](repeating: 0, count: label.classes.count)
        for reply in try transport.broadcast(.prepare(PrepareRequest(transform: transform, label: label))) {
            guard case .prepared(let p) = reply else { throw unexpected(reply, "prepare") }
            trainingOffsets.append(rows)
            rows += p.rows
            targetSum += p.targetSum
            for (c, n) in p.classCounts.enumerated() where c < classCounts.count { classCounts[c] += n }
        }
        try cancellation?.check()

        // 3. The learner, round by round.
        var params = TrainingParameters(seed: o.seed, holdoutModulo: o.holdoutModulo, excluded: o.exclude)
        var linear: LinearWeights?, gbdt: GBDTModel?
        var iterations: Int?, converged: Bool?
        switch o.kind {
        case .linear, .ridge:
            let alpha = o.kind == .ridge ? (o.l2 ?? 1.0) : 0
            params.alpha = alpha
            let grams = try transport.broadcast(.gram).map { reply -> GramPartial in
                guard case .gram(let g) = reply else { throw unexpected(reply, "gram") }
                return g
            }
            linear = try LinearRegressionTrainer(alpha: alpha).solve(grams.merged()!, spelling: o.spelling)
        case .logistic:
            params.l2 = o.l2 ?? 1.0
            params.maxIterations = o.maxIterations
            let (w, result) = try logistic(transport, featureCount: transform.featureCount, rows: rows,
                                           classes: label.classes.count, cancellation: cancellation)
            (linear, iterations, converged) = (w, result.iterations, result.converged)
        case .gbdt:
            let trainer = ModelTrainer.gbdtTrainer(o, transform: transform)
            let objective: GBDTObjective = label.task == .regression ? .squaredError
                : (label.classes.count > 2 || o.objective == .multiclass ? .multiclass : .binaryLogLoss)
            params.record(o, trainer: trainer, objective: objective, warmStartTrees: o.warmStart?.gbdt?.trees.count)
            var grower = DistributedBoosting(trainer: trainer, objective: objective, classCount: label.classes.count,
                                             transport: transport, trainingOffsets: trainingOffsets, rows: rows,
                                             targets: (targetSum, classCounts))
            gbdt = try grower.fit(initial: o.warmStart?.gbdt, cancellation: cancellation)
        }

        let signature = o.warmStart?.signature ?? InputSignature(columns: features)
        let info = TrainingInfo(source: source, trainingRows: summary.trainingRows, holdoutRows: summary.holdoutRows,
                                droppedRowsMissingLabel: summary.droppedMissingLabel,
                                startedAt: ISO8601DateFormatter().string(from: started), seconds: 0,
                                parameters: params, holdoutMetrics: nil, iterations: iterations, converged: converged)
        var model = ModelFile(kind: o.kind, signature: signature, label: label, transform: transform,
                              linear: linear, gbdt: gbdt, training: info)
        if summary.holdoutRows > 0 { model.training.holdoutMetrics = try holdoutMetrics(model, transport: transport) }
        model.training.seconds = Date().timeIntervalSince(started)
        return model
    }

    /// Numeric centre and scale from the shards' moments about the mean (as `FeatureTransform.fit`).
    private func standardize(_ t: FeatureTransform, rows: Int, transport: ShardTransport) throws -> FeatureTransform {
        var fills: [Double] = []
        for case .numeric(let n) in t.steps { fills.append(n.fill) }
        let sums = try transport.broadcast(.moments(MomentsRequest(fills: fills, means: fills))).map { reply -> [Double] in
            guard case .moments(let m) = reply else { throw unexpected(reply, "moments") }
            return m
        }
        var out = t
        var i = 0
        let rows = Double(rows)
        for (j, step) in t.steps.enumerated() {
            guard case .numeric(var n) = step else { continue }
            var s = 0.0, ss = 0.0
            for m in sums { s += m[2 * i]; ss += m[2 * i + 1] }
            let center = s / rows
            let variance = max(0, ss / rows - (center - n.fill) * (center - n.fill))
            let sd = variance.squareRoot()
            (n.center, n.scale) = (center, sd > 0 ? sd : 1)
            out.steps[j] = .numeric(n)
            i += 1
        }
        return out
    }

    private func logistic(_ transport: ShardTransport, featureCount: Int, rows: Int, classes: Int,
                          cancellation: CancellationToken?) throws -> (LinearWeights, LBFGS.Result) {
        let trainer = LogisticRegressionTrainer(l2: options.l2 ?? 1.0, maxIterations: options.maxIterations,
                                                tolerance: options.tolerance)
        let stop = CancellationToken()
        var failure: (any Error)?
        let result: (LinearWeights, LBFGS.Result)
        do {
            result = try trainer.fit(featureCount: featureCount, rows: rows, classCount: classes,
                                     initial: options.warmStart?.linear, cancellation: stop) { w in
                if cancellation?.isCancelled == true { stop.cancel() }
                do {
                    let partials = try transport.broadcast(.gradient(w)).map { reply -> GradientPartial in
                        guard case .gradient(let g) = reply else { throw unexpected(reply, "gradient") }
                        return g
                    }
                    return partials.merged()!
                } catch {
                    failure = failure ?? error
                    stop.cancel()
                    return GradientPartial(rows: 0, loss: 0, gradient: [Double](repeating: 0, count: (featureCount + 1) * max(1, classes <= 2 ? 1 : classes)))
                }
            }
        } catch {
            throw failure ?? error
        }
        if let failure { throw failure }
        return result
    }

    private func holdoutMetrics(_ model: ModelFile, transport: ShardTransport) throws -> EvaluationMetrics {
        var all = HoldoutPredictions(targets: [], values: [], classes: [], probabilities: [])
        for reply in try transport.broadcast(.holdout(model)) {
            guard case .holdout(let h) = reply else { throw unexpected(reply, "holdout") }
            all.targets += h.targets; all.values += h.values; all.classes += h.classes
            all.probabilities += h.probabilities
        }
        let p = Predictions(values: all.values, classes: all.classes, probabilities: all.probabilities,
                            classCount: model.label.task.isClassification ? model.label.classes.count : 0)
        return model.metrics(p, targets: all.targets)
    }

    /// The type that holds both: text over numbers, numbers over booleans.
    static func wider(_ a: ColumnType, _ b: ColumnType) -> ColumnType {
        if a == .categorical || b == .categorical { return .categorical }
        if a == .numeric || b == .numeric { return .numeric }
        return .boolean
    }
}

func unexpected(_ reply: ShardReply, _ request: String) -> any Error {
    if case .failed(let message) = reply { return DistributedTrainingError(message) }
    return DistributedTrainingError("a shard answered \(request) with \(reply)")
}
