import Foundation

/// Metric functions on plain vectors (sklearn semantics; 0 instead of NaN where sklearn's
/// `zero_division` default would warn and return 0).
public enum Metrics {
    public static func accuracy(_ y: [Int], _ p: [Int]) -> Double {
        guard !y.isEmpty else { return .nan }
        return Double(zip(y, p).filter { $0 == $1 }.count) / Double(y.count)
    }

    /// Precision, recall and F1 of class `positive`.
    public static func precisionRecallF1(_ y: [Int], _ p: [Int], positive: Int) -> (Double, Double, Double) {
        var tp = 0.0, fp = 0.0, fn = 0.0
        for (t, q) in zip(y, p) {
            if q == positive { if t == positive { tp += 1 } else { fp += 1 } } else if t == positive { fn += 1 }
        }
        let precision = tp + fp > 0 ? tp / (tp + fp) : 0
        let recall = tp + fn > 0 ? tp / (tp + fn) : 0
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return (precision, recall, f1)
    }

    /// Area under the ROC curve by the rank-sum statistic (tied scores get average ranks).
    /// Nil when only one class is present.
    public static func rocAUC(labels: [Bool], scores: [Double]) -> Double? {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] { rankSumPositive += rank }
            i = j + 1
        }
        let pos = Double(labels.filter { $0 }.count), neg = Double(labels.count) - pos
        guard pos > 0, neg > 0 else { return nil }
        return (rankSumPositive - pos * (pos + 1) / 2) / (pos * neg)
    }

    /// Mean log loss of binary labels given P(class 1), clipped to [1e-15, 1 − 1e-15].
    public static func logLoss(labels: [Bool], probabilities: [Double]) -> Double {
        var s = 0.0
        for (y, p) in zip(labels, probabilities) {
            let q = min(max(p, 1e-15), 1 - 1e-15)
            s -= y ? log(q) : log(1 - q)
        }
        return s / Double(max(labels.count, 1))
    }

    public static func rmse(_ y: [Double], _ p: [Double]) -> Double {
        var s = 0.0
        for (a, b) in zip(y, p) { s += (a - b) * (a - b) }
        return (s / Double(max(y.count, 1))).squareRoot()
    }

    public static func mae(_ y: [Double], _ p: [Double]) -> Double {
        var s = 0.0
        for (a, b) in zip(y, p) { s += abs(a - b) }
        return s / Double(max(y.count, 1))
    }

    public static func r2(_ y: [Double], _ p: [Double]) -> Double {
        let mean = y.reduce(0, +) / Double(max(y.count, 1))
        var ssRes = 0.0, ssTot = 0.0
        for (a, b) in zip(y, p) { ssRes += (a - b) * (a - b); ssTot += (a - mean) * (a - mean) }
        return ssTot > 0 ? 1 - ssRes / ssTot : 0
    }
}
