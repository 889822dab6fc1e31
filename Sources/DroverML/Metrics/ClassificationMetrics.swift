import Foundation

/// Classification quality. Binary tasks score the positive class (index 1); multiclass tasks
/// report macro-averaged precision/recall/F1 and no ROC AUC.
public struct ClassificationMetrics: Codable, Sendable, Equatable {
    public var rows: Int
    public var accuracy: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var rocAUC: Double?
    public var logLoss: Double

    /// `labels` are class indices, `probabilities` is row-major n×K (K = `classCount`).
    public init(labels: [Int], probabilities: [Double], classCount k: Int) {
        let n = labels.count
        var predicted = [Int](repeating: 0, count: n)
        var ll = 0.0
        for i in 0..<n {
            var best = 0
            for c in 1..<max(k, 1) where probabilities[i * k + c] > probabilities[i * k + best] { best = c }
            predicted[i] = best
            ll -= log(min(max(probabilities[i * k + labels[i]], 1e-15), 1))
        }
        rows = n
        accuracy = Metrics.accuracy(labels, predicted)
        logLoss = n > 0 ? ll / Double(n) : .nan
        if k == 2 {
            (precision, recall, f1) = Metrics.precisionRecallF1(labels, predicted, positive: 1)
            rocAUC = Metrics.rocAUC(labels: labels.map { $0 == 1 }, scores: (0..<n).map { probabilities[$0 * 2 + 1] })
        } else {
            var p = 0.0, r = 0.0, f = 0.0
            for c in 0..<k {
                let m = Metrics.precisionRecallF1(labels, predicted, positive: c)
                p += m.0; r += m.1; f += m.2
            }
            precision = p / Double(max(k, 1)); recall = r / Double(max(k, 1)); f1 = f / Double(max(k, 1))
            rocAUC = nil
        }
    }
}

/// Metric names are snake_case everywhere (text, JSON, job metrics, model files): `roc_auc`,
/// `log_loss`. Model files written before that used `rocAUC` and `logLoss`; both still read.
extension ClassificationMetrics {
    enum CodingKeys: String, CodingKey {
        case rows, accuracy, precision, recall, f1
        case rocAUC = "roc_auc", logLoss = "log_loss"
    }

    private enum LegacyKeys: String, CodingKey { case rocAUC, logLoss }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        rows = try c.decode(Int.self, forKey: .rows)
        accuracy = try c.decode(Double.self, forKey: .accuracy)
        precision = try c.decode(Double.self, forKey: .precision)
        recall = try c.decode(Double.self, forKey: .recall)
        f1 = try c.decode(Double.self, forKey: .f1)
        rocAUC = try c.decodeIfPresent(Double.self, forKey: .rocAUC)
            ?? legacy.decodeIfPresent(Double.self, forKey: .rocAUC)
        if let v = try c.decodeIfPresent(Double.self, forKey: .logLoss) {
            logLoss = v
        } else {
            logLoss = try legacy.decode(Double.self, forKey: .logLoss)
        }
    }
}

/// Regression quality.
public struct RegressionMetrics: Codable, Sendable, Equatable {
    public var rows: Int
    public var rmse: Double
    public var mae: Double
    public var r2: Double

    public init(targets: [Double], predictions: [Double]) {
        rows = targets.count
        rmse = Metrics.rmse(targets, predictions)
        mae = Metrics.mae(targets, predictions)
        r2 = Metrics.r2(targets, predictions)
    }
}

/// Metrics of either kind, as stored in model files and printed by the CLI.
public struct EvaluationMetrics: Codable, Sendable, Equatable {
    public var classification: ClassificationMetrics?
    public var regression: RegressionMetrics?

    public init(classification: ClassificationMetrics? = nil, regression: RegressionMetrics? = nil) {
        self.classification = classification
        self.regression = regression
    }

    /// Name/value pairs in display order.
    public var items: [(String, Double)] {
        if let c = classification {
            var out = [("accuracy", c.accuracy), ("precision", c.precision), ("recall", c.recall), ("f1", c.f1)]
            if let auc = c.rocAUC { out.append(("roc_auc", auc)) }
            out.append(("log_loss", c.logLoss))
            return out
        }
        if let r = regression { return [("rmse", r.rmse), ("mae", r.mae), ("r2", r.r2)] }
        return []
    }

    public var rows: Int { classification?.rows ?? regression?.rows ?? 0 }
}
