/// What the feature transform and the label encoding are fitted from, summed over the
/// training rows of one shard: mergeable by addition, so the coordinator fits the same
/// transform as `FeatureTransform.fit` on all rows (up to the order of floating-point sums).
public struct TransformSummary: ShardPartial, Equatable {
    public struct NumericSummary: Codable, Sendable, Equatable {
        public var count = 0
        public var sum = 0.0
    }

    public var trainingRows = 0
    public var holdoutRows = 0
    public var droppedMissingLabel = 0
    /// Per feature column (in request order): numeric sums, or category → count.
    public var numeric: [NumericSummary?] = []
    public var categories: [[String: Int]?] = []
    /// Distinct label values (as text) of the training rows.
    public var labelValues: Set<String> = []

    public mutating func merge(_ o: TransformSummary) {
        trainingRows += o.trainingRows
        holdoutRows += o.holdoutRows
        droppedMissingLabel += o.droppedMissingLabel
        for i in numeric.indices {
            if let b = o.numeric[i] { numeric[i]?.count += b.count; numeric[i]?.sum += b.sum }
        }
        for i in categories.indices {
            if let b = o.categories[i] { categories[i]?.merge(b) { $0 + $1 } }
        }
        labelValues.formUnion(o.labelValues)
    }

    /// The training and holdout rows of a shard whose first row has global index `offset`
    /// (rows with a missing label are dropped; the holdout is global row i with i % k == k − 1).
    static func rows(_ table: Table, label: Column, offset: Int, holdoutModulo k: Int?)
        -> (train: [Int], holdout: [Int], dropped: Int) {
        var train: [Int] = [], holdout: [Int] = [], dropped = 0
        for r in 0..<table.rowCount {
            if label.isMissing(r) { dropped += 1; continue }
            if let k, (offset + r) % k == k - 1 { holdout.append(r) } else { train.append(r) }
        }
        return (train, holdout, dropped)
    }

    /// The summary of `rows` of `table` for the columns `features`.
    static func of(_ table: Table, features: [String], label: Column, rows: [Int], holdout: Int,
                   dropped: Int) -> TransformSummary {
        var s = TransformSummary(trainingRows: rows.count, holdoutRows: holdout, droppedMissingLabel: dropped)
        for name in features {
            guard let c = table.column(named: name) else {
                s.numeric.append(nil); s.categories.append(nil); continue
            }
            if c.type == .categorical {
                var counts = [Int](repeating: 0, count: c.categories.count)
                for r in rows where c.codes[r] >= 0 { counts[Int(c.codes[r])] += 1 }
                var named: [String: Int] = [:]
                for (i, n) in counts.enumerated() where n > 0 { named[c.categories[i]] = n }
                s.numeric.append(nil)
                s.categories.append(named)
            } else {
                var n = NumericSummary()
                for r in rows where !c.numbers[r].isNaN { n.count += 1; n.sum += c.numbers[r] }
                s.numeric.append(n)
                s.categories.append(nil)
            }
        }
        for r in rows { if let t = LabelEncoding.text(label, r) { s.labelValues.insert(t) } }
        return s
    }

    /// The transform `FeatureTransform.fit` would fit on all the summarised rows (numeric
    /// centre and scale come from `moments` when standardising).
    func transform(features: [ColumnSpec], options: FeatureTransformOptions, source: String,
                   spelling: OptionSpelling) throws -> FeatureTransform {
        var steps: [FeatureTransform.Step] = []
        for (i, spec) in features.enumerated() {
            if let counts = categories[i] {
                guard !counts.isEmpty else { throw Self.allMissing(spec.name, trainingRows, source, spelling) }
                var levels = counts.keys.sorted()
                let fill: Int
                if options.categoricalImputation == .missingLevel {
                    levels.append(FeatureTransform.missingLevel)
                    fill = levels.count - 1
                } else {
                    let best = counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
                    fill = levels.firstIndex(of: best)!
                }
                steps.append(.categorical(CategoricalStep(column: spec.name, levels: levels, fill: fill,
                                                          encoding: options.encoding)))
            } else {
                let n = numeric[i] ?? NumericSummary()
                guard n.count > 0 else { throw Self.allMissing(spec.name, trainingRows, source, spelling) }
                let mean = n.sum / Double(n.count)
                steps.append(.numeric(NumericStep(column: spec.name, fill: mean, center: 0, scale: 1)))
            }
        }
        return FeatureTransform(steps: steps, options: options)
    }

    static func allMissing(_ name: String, _ n: Int, _ source: String, _ spelling: OptionSpelling) -> ModelError {
        .input("column '\(name)' in \(source) has no values: all \(n) training rows are missing",
               hint: "drop it with \(spelling.setting("exclude", name))")
    }
}
