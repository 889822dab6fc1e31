import Foundation

/// Predictions for a batch of rows.
public struct Predictions: Sendable {
    /// Regression outputs (regression tasks only).
    public var values: [Double]
    /// Predicted class index per row (classification only).
    public var classes: [Int]
    /// Row-major n×K class probabilities (classification only).
    public var probabilities: [Double]
    public var classCount: Int
}

extension ModelFile {
    /// Checks `table` against the signature, transforms it and predicts every row.
    public func predict(_ table: Table, source: String, threads: Int = ParallelShards.defaultThreads) throws -> Predictions {
        try signature.check(table, source: source)
        return predict(features: transform.apply(table), threads: threads)
    }

    /// Predictions for already-transformed features.
    public func predict(features x: FeatureMatrix, threads: Int = ParallelShards.defaultThreads) -> Predictions {
        let n = x.rowCount
        let raw: [Double]
        let outputs: Int
        if let gbdt {
            raw = gbdt.rawScores(x, threads: threads)
            outputs = gbdt.outputs
        } else {
            let w = linear!
            raw = w.scores(x, rows: 0..<n)
            outputs = w.outputs
        }
        guard label.task.isClassification else {
            return Predictions(values: raw, classes: [], probabilities: [], classCount: 0)
        }
        let k = label.classes.count
        var probs = [Double](repeating: 0, count: n * k)
        var classes = [Int](repeating: 0, count: n)
        if outputs == 1 {
            for i in 0..<n {
                let p = 1 / (1 + exp(-raw[i]))
                probs[i * 2] = 1 - p
                probs[i * 2 + 1] = p
                classes[i] = p > 0.5 ? 1 : 0
            }
        } else {
            for i in 0..<n {
                var mx = -Double.infinity
                for c in 0..<k { mx = max(mx, raw[c * n + i]) }
                var sum = 0.0
                for c in 0..<k { let e = exp(raw[c * n + i] - mx); probs[i * k + c] = e; sum += e }
                var best = 0
                for c in 0..<k {
                    probs[i * k + c] /= sum
                    if probs[i * k + c] > probs[i * k + best] { best = c }
                }
                classes[i] = best
            }
        }
        return Predictions(values: [], classes: classes, probabilities: probs, classCount: k)
    }

    /// Metrics of `predictions` against encoded targets (class indices or values).
    public func metrics(_ p: Predictions, targets: [Double]) -> EvaluationMetrics {
        if label.task.isClassification {
            return EvaluationMetrics(classification: ClassificationMetrics(
                labels: targets.map { Int($0) }, probabilities: p.probabilities, classCount: p.classCount))
        }
        return EvaluationMetrics(regression: RegressionMetrics(targets: targets, predictions: p.values))
    }

    /// Metrics on a labelled table (rows with a missing label are skipped).
    public func evaluate(_ table: Table, source: String, threads: Int = ParallelShards.defaultThreads) throws -> EvaluationMetrics {
        guard let labelColumn = table.column(named: label.name) else {
            throw ModelError.input("label column '\(label.name)' is not in \(source); evaluation needs labelled rows",
                                   hint: "the file has columns: \(table.columnNames.joined(separator: ", "))")
        }
        try signature.check(table, source: source)
        let rows = (0..<table.rowCount).filter { !labelColumn.isMissing($0) }
        guard !rows.isEmpty else {
            throw ModelError.input("\(source) has no rows with a value in label '\(label.name)'")
        }
        let targets = try ModelTrainer.encodeTargets(labelColumn, rows: rows, label: label, source: source)
        let x = transform.apply(table, rows: rows)
        return metrics(predict(features: x, threads: threads), targets: targets)
    }
}
