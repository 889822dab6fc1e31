/// Statistics of one column over some rows; `merge` of two shards equals one pass over both
/// (exactly for counts, min/max, categories and exact distinct counts; to float rounding for
/// mean/variance; within the stated bounds for quantiles and HyperLogLog distinct counts).
public struct ColumnStatistics: Codable, Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    /// Rows covered, present or not.
    public var count: Int
    /// Rows with a missing value (empty field, NA, NaN, …).
    public var missing: Int
    /// Numeric and boolean columns.
    public var numeric: NumericStatistics?
    /// Categorical columns.
    public var categories: CategoryCounts?
    public var distinct: DistinctCounter

    /// Rows with a value.
    public var present: Int { count - missing }
    /// present / count (1 for an empty shard).
    public var presentFraction: Double { count > 0 ? Double(present) / Double(count) : 1 }

    public init(column: Column, rows: Range<Int>) {
        name = column.name
        type = column.type
        count = rows.count
        distinct = DistinctCounter()
        if column.type == .categorical {
            var perCode = [Int](repeating: 0, count: column.categories.count)
            var missing = 0
            for r in rows {
                let code = column.codes[r]
                if code < 0 { missing += 1 } else { perCode[Int(code)] += 1 }
            }
            self.missing = missing
            var counts: [String: Int] = [:]
            for (code, n) in perCode.enumerated() where n > 0 {
                counts[column.categories[code], default: 0] += n
                distinct.insert(hash: StableHash.hash(column.categories[code]))
            }
            categories = CategoryCounts(counts: counts)
        } else {
            let stats = NumericStatistics(column.numbers[rows], distinct: &distinct)
            missing = rows.count - stats.moments.count - stats.infinite
            numeric = stats
        }
    }

    /// Combines statistics of disjoint rows of the same column.
    public func merged(with other: ColumnStatistics) throws(DataError) -> ColumnStatistics {
        guard name == other.name, type == other.type else {
            throw DataError(.invalidArgument,
                            "cannot merge statistics of '\(name)' (\(type.rawValue)) with '\(other.name)' (\(other.type.rawValue))",
                            column: name,
                            hint: "read every shard with the same CSVOptions.columnTypes (a shard may infer another type)")
        }
        var result = self
        result.count += other.count
        result.missing += other.missing
        result.distinct = distinct.merged(with: other.distinct)
        if let a = numeric, let b = other.numeric { result.numeric = a.merged(with: b) }
        if let a = categories, let b = other.categories { result.categories = a.merged(with: b) }
        return result
    }
}

/// Numeric part of `ColumnStatistics`. Infinite values are counted apart and excluded from
/// moments, min/max and quantiles (one `inf` would otherwise make mean and range meaningless).
public struct NumericStatistics: Codable, Sendable, Equatable {
    public var moments: Moments
    public var infinite: Int = 0
    public var zeros: Int = 0
    /// Smallest and largest finite value; nil when there is none.
    public var min: Double?
    public var max: Double?
    public var sketch: QuantileSketch

    init(_ values: ArraySlice<Double>, distinct: inout DistinctCounter) {
        var sketch = QuantileSketch()
        var lo = Double.infinity, hi = -Double.infinity
        var infinite = 0, zeros = 0
        for x in values where !x.isNaN {
            if x.isInfinite { infinite += 1; distinct.insert(hash: StableHash.hash(x)); continue }
            if x < lo { lo = x }
            if x > hi { hi = x }
            if x == 0 { zeros += 1 }
            sketch.insert(x)
            distinct.insert(hash: StableHash.hash(x))
        }
        self.moments = Moments(finite: values.lazy.filter { $0.isFinite })
        self.infinite = infinite
        self.zeros = zeros
        self.min = lo <= hi ? lo : nil
        self.max = lo <= hi ? hi : nil
        self.sketch = sketch
    }

    public var mean: Double { moments.mean }
    /// Population standard deviation.
    public var standardDeviation: Double { moments.variance.squareRoot() }

    public func merged(with other: NumericStatistics) -> NumericStatistics {
        var result = self
        result.moments = moments.merged(with: other.moments)
        result.infinite += other.infinite
        result.zeros += other.zeros
        result.min = [min, other.min].compactMap { $0 }.min()
        result.max = [max, other.max].compactMap { $0 }.max()
        result.sketch = sketch.merged(with: other.sketch)
        return result
    }

    /// Estimated quantiles at the given probabilities (NaN when there are no finite values).
    public func quantiles(_ qs: [Double]) -> [Double] { sketch.quantiles(qs) }

    /// An equal-width histogram over [min, max] (or `range`) estimated from the sketch.
    public func histogram(bins: Int = 10, range: ClosedRange<Double>? = nil) -> Histogram {
        guard let lo = range?.lowerBound ?? min, let hi = range?.upperBound ?? max, (hi - lo).isFinite else {
            return Histogram(edges: [], counts: [])
        }
        return sketch.histogram(edges: Histogram.equalWidthEdges(bins: bins, range: lo...Swift.max(lo, hi)))
    }
}
