import Testing
@testable import DroverML

/// Reference values computed with scikit-learn 1.9.1:
///   y = [0,1,1,0,1,1,0,0,1,1]; p = [0.1,0.8,0.6,0.4,0.35,0.9,0.65,0.2,0.7,0.55]; ŷ = p > 0.5
///   accuracy_score → 0.8, precision/recall/f1_score → 0.8333333333333334,
///   roc_auc_score(y, p) → 0.8333333333333334, log_loss(y, p) → 0.4732815575167762
///   t = [3,-0.5,2,7,4.2]; q = [2.5,0,2,8,3.9]
///   sqrt(mean_squared_error) → 0.5639148871948674, mean_absolute_error → 0.46, r2_score → 0.9480256276150627
///   roc_auc_score([0,1,0,1], [0.5,0.5,0.2,0.9]) → 0.875 (ties)
struct MetricTests {
    let y = [0, 1, 1, 0, 1, 1, 0, 0, 1, 1]
    let p = [0.1, 0.8, 0.6, 0.4, 0.35, 0.9, 0.65, 0.2, 0.7, 0.55]

    @Test func classificationMetricsMatchSklearn() {
        let probs = p.flatMap { [1 - $0, $0] }
        let m = ClassificationMetrics(labels: y, probabilities: probs, classCount: 2)
        #expect(abs(m.accuracy - 0.8) < 1e-12)
        #expect(abs(m.precision - 0.8333333333333334) < 1e-12)
        #expect(abs(m.recall - 0.8333333333333334) < 1e-12)
        #expect(abs(m.f1 - 0.8333333333333334) < 1e-12)
        #expect(abs((m.rocAUC ?? 0) - 0.8333333333333334) < 1e-12)
        #expect(abs(m.logLoss - 0.4732815575167762) < 1e-12)
    }

    @Test func rocAUCAveragesTiedScores() {
        let auc = Metrics.rocAUC(labels: [false, true, false, true], scores: [0.5, 0.5, 0.2, 0.9])
        #expect(auc == 0.875)
    }

    @Test func rocAUCIsNilWithOneClass() {
        #expect(Metrics.rocAUC(labels: [true, true], scores: [0.1, 0.2]) == nil)
    }

    @Test func regressionMetricsMatchSklearn() {
        let m = RegressionMetrics(targets: [3, -0.5, 2, 7, 4.2], predictions: [2.5, 0, 2, 8, 3.9])
        #expect(abs(m.rmse - 0.5639148871948674) < 1e-12)
        #expect(abs(m.mae - 0.46) < 1e-12)
        #expect(abs(m.r2 - 0.9480256276150627) < 1e-12)
    }
}
