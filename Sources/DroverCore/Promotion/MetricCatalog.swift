extension MetricDirection {
    /// The direction of the metrics the built-in models report (docs/pipelines.md), or nil for
    /// a metric no evaluation reports.
    public static func of(metric: String) -> MetricDirection? {
        switch metric {
        case "accuracy", "precision", "recall", "f1", "roc_auc", "r2": .higherIsBetter
        case "log_loss", "rmse", "mae": .lowerIsBetter
        default: nil
        }
    }

    /// Every metric a promotion gate may name.
    public static let knownMetrics = ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "rmse", "mae", "r2"]
}
