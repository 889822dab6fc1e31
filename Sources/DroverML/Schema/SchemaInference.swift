extension Schema {
    /// Categorical columns with more distinct values get no domain (TFDV `max_string_domain_size`).
    public static let maxDomainSize = 100

    /// Infers a schema from (training) statistics, with TFDV's defaults:
    /// presence `minFraction` 1 for columns never missing, else 0; numeric range = observed
    /// [min, max] at warning severity; categories = observed values when ≤ 100 distinct;
    /// `allowInfinite` only if infinities were seen; `minRows` 1. Edit the result by hand.
    public static func infer(from statistics: DatasetStatistics) -> Schema {
        let features = statistics.columns.map { column -> FeatureSchema in
            var feature = FeatureSchema(name: column.name, type: column.type)
            feature.presence.minFraction = column.missing == 0 ? 1 : 0
            if column.type == .numeric, let numeric = column.numeric {
                if numeric.min != nil || numeric.max != nil {
                    feature.range = NumericRange(min: numeric.min, max: numeric.max)
                }
                feature.allowInfinite = numeric.infinite > 0
            }
            if column.type == .categorical, let counts = column.categories,
               !counts.isTruncated, counts.counts.count <= maxDomainSize {
                feature.categories = counts.counts.keys.sorted()
            }
            return feature
        }
        return Schema(minRows: 1, features: features)
    }
}
