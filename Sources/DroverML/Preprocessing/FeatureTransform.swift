/// How missing numbers are filled; `keep` leaves them NaN for a model that learns where they go
/// (GBDT).
public enum NumericImputation: String, Codable, Sendable { case mean, median, keep }

/// How categorical columns become numbers: one indicator per level (linear models) or the
/// level's index (trees).
public enum CategoricalEncoding: String, Codable, Sendable { case oneHot, ordinal }

/// How missing categories are filled: with the most frequent training level, or with an
/// explicit "(missing)" level of their own; `keep` leaves them (and unseen categories) NaN in
/// ordinal encoding and all-zero in one-hot encoding.
public enum CategoricalImputation: String, Codable, Sendable { case mostFrequent, missingLevel, keep }

/// Options for fitting a `FeatureTransform` on training data.
public struct FeatureTransformOptions: Codable, Sendable, Equatable {
    public var numericImputation: NumericImputation
    public var categoricalImputation: CategoricalImputation
    public var encoding: CategoricalEncoding
    public var standardize: Bool

    public init(numericImputation: NumericImputation = .mean,
                categoricalImputation: CategoricalImputation = .mostFrequent,
                encoding: CategoricalEncoding, standardize: Bool) {
        self.numericImputation = numericImputation
        self.categoricalImputation = categoricalImputation
        self.encoding = encoding
        self.standardize = standardize
    }

    /// Linear models: mean imputation, standardised numbers, one-hot categories.
    public static let linear = FeatureTransformOptions(encoding: .oneHot, standardize: true)
    /// Trees: mean imputation, raw numbers, ordinal categories (GBDT models before learned
    /// missing directions).
    public static let trees = FeatureTransformOptions(encoding: .ordinal, standardize: false)
    /// GBDT: missing values and unseen categories stay NaN (each split learns where they go),
    /// raw numbers, categories as level indices.
    public static let gbdt = FeatureTransformOptions(numericImputation: .keep, categoricalImputation: .keep,
                                                     encoding: .ordinal, standardize: false)
}

/// A numeric (or boolean) column: fill missing with `fill`, then `(x - center) / scale`.
public struct NumericStep: Codable, Sendable, Equatable {
    public var column: String
    public var fill: Double
    public var center: Double
    public var scale: Double
}

/// A categorical column. `levels` are the training categories (sorted); `fill` is the level
/// used for missing values. A category never seen in training is handled explicitly: one-hot
/// gives an all-zero block, ordinal encoding uses the `fill` level.
public struct CategoricalStep: Codable, Sendable, Equatable {
    public var column: String
    public var levels: [String]
    public var fill: Int
    public var encoding: CategoricalEncoding

    public var width: Int { encoding == .oneHot ? levels.count : 1 }

    /// The training level index of each input category (nil = unseen in training).
    func levelMap(for input: Column) -> [Int?] {
        var index: [String: Int] = [:]
        for (i, l) in levels.enumerated() { index[l] = i }
        return input.categories.map { index[$0] }
    }
}

/// The fitted preprocessing of a model: imputation, standardisation and encoding, learned on
/// training rows and saved in the model file. Training and prediction call the same `apply`.
public struct FeatureTransform: Codable, Sendable, Equatable {
    /// One input column's transform, stored as `{"numeric": {...}}` or `{"categorical": {...}}`.
    public enum Step: Codable, Sendable, Equatable {
        case numeric(NumericStep)
        case categorical(CategoricalStep)

        private enum CodingKeys: String, CodingKey { case numeric, categorical }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let n = try c.decodeIfPresent(NumericStep.self, forKey: .numeric) {
                self = .numeric(n)
            } else {
                self = .categorical(try c.decode(CategoricalStep.self, forKey: .categorical))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .numeric(let n): try c.encode(n, forKey: .numeric)
            case .categorical(let s): try c.encode(s, forKey: .categorical)
            }
        }
    }

    /// Label of the extra level used by `CategoricalImputation.missingLevel`.
    public static let missingLevel = "(missing)"

    public var steps: [Step]
    public var options: FeatureTransformOptions

    public var featureCount: Int {
        steps.reduce(0) { n, s in
            switch s {
            case .numeric: n + 1
            case .categorical(let c): n + c.width
            }
        }
    }

    /// Human-readable names of the output features (`carat`, `cut=Ideal`, …).
    public var featureNames: [String] {
        steps.flatMap { s -> [String] in
            switch s {
            case .numeric(let n): [n.column]
            case .categorical(let c): c.encoding == .oneHot ? c.levels.map { "\(c.column)=\($0)" } : [c.column]
            }
        }
    }

    /// Fits the transform on `rows` of `table` (all rows when nil) for the named columns.
    /// Throws when a column has no values at all in those rows.
    public static func fit(
        _ table: Table, columns: [String], rows: [Int]? = nil,
        options: FeatureTransformOptions, source: String = "the training data",
        spelling: OptionSpelling = .jobParameter
    ) throws -> FeatureTransform {
        let rowList = rows ?? Array(0..<table.rowCount)
        precondition(!options.standardize || options.numericImputation != .keep, "cannot standardise NaNs")
        var steps: [Step] = []
        for name in columns {
            guard let column = table.column(named: name) else {
                throw ModelError.input("column '\(name)' is missing from \(source)",
                                       hint: "the file has columns: \(table.columnNames.joined(separator: ", "))")
            }
            switch column.type {
            case .numeric, .boolean:
                steps.append(.numeric(try fitNumeric(column, rows: rowList, options: options, source: source, spelling: spelling)))
            case .categorical:
                steps.append(.categorical(try fitCategorical(column, rows: rowList, options: options, source: source, spelling: spelling)))
            }
        }
        return FeatureTransform(steps: steps, options: options)
    }

    private static func allMissing(_ name: String, _ n: Int, _ source: String, _ spelling: OptionSpelling) -> ModelError {
        .input("column '\(name)' in \(source) has no values: all \(n) training rows are missing",
               hint: "drop it with \(spelling.setting("exclude", name))")
    }

    private static func fitNumeric(_ c: Column, rows: [Int], options: FeatureTransformOptions,
                                   source: String, spelling: OptionSpelling) throws -> NumericStep {
        var sum = 0.0, count = 0
        c.numbers.withUnsafeBufferPointer { v in
            for r in rows where !v[r].isNaN { sum += v[r]; count += 1 }
        }
        guard count > 0 else { throw allMissing(c.name, rows.count, source, spelling) }
        let mean = sum / Double(count)
        var fill = mean
        if options.numericImputation == .median {
            let sorted = rows.map { c.numbers[$0] }.filter { !$0.isNaN }.sorted()
            let m = sorted.count
            fill = m % 2 == 1 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2
        }
        guard options.standardize else { return NumericStep(column: c.name, fill: fill, center: 0, scale: 1) }
        // Standardise the imputed column (as sklearn's SimpleImputer → StandardScaler does).
        var ss = 0.0, s = 0.0
        c.numbers.withUnsafeBufferPointer { v in
            for r in rows {
                let x = v[r].isNaN ? fill : v[r]
                s += x
                ss += (x - mean) * (x - mean)
            }
        }
        let center = s / Double(rows.count)
        let variance = max(0, ss / Double(rows.count) - (center - mean) * (center - mean))
        let sd = variance.squareRoot()
        return NumericStep(column: c.name, fill: fill, center: center, scale: sd > 0 ? sd : 1)
    }

    private static func fitCategorical(_ c: Column, rows: [Int], options: FeatureTransformOptions,
                                       source: String, spelling: OptionSpelling) throws -> CategoricalStep {
        var counts = [Int](repeating: 0, count: c.categories.count)
        var missing = 0
        for r in rows {
            let code = Int(c.codes[r])
            if code < 0 { missing += 1 } else { counts[code] += 1 }
        }
        guard missing < rows.count else { throw allMissing(c.name, rows.count, source, spelling) }
        // Levels: the categories present in the training rows, sorted for a stable order.
        var levels = c.categories.indices.filter { counts[$0] > 0 }.map { c.categories[$0] }.sorted()
        let fill: Int
        if options.categoricalImputation == .missingLevel {
            levels.append(missingLevel)
            fill = levels.count - 1
        } else {
            // Most frequent; ties go to the alphabetically first level (deterministic).
            let best = c.categories.indices.max { a, b in
                counts[a] != counts[b] ? counts[a] < counts[b] : c.categories[a] > c.categories[b]
            }!
            fill = levels.firstIndex(of: c.categories[best])!
        }
        return CategoricalStep(column: c.name, levels: levels, fill: fill, encoding: options.encoding)
    }

    /// Transforms `rows` of `table` (all rows when nil; the table must contain every step's
    /// column) into model features, one matrix row per selected row.
    public func apply(_ table: Table, rows: [Int]? = nil) -> FeatureMatrix {
        let n = rows?.count ?? table.rowCount
        let d = featureCount
        var out = [Double](repeating: 0, count: n * d)
        var j = 0
        out.withUnsafeMutableBufferPointer { o in
            for step in steps {
                switch step {
                case .numeric(let s):
                    let col = table.column(named: s.column)!
                    let fill = options.numericImputation == .keep ? .nan : s.fill
                    col.numbers.withUnsafeBufferPointer { v in
                        let base = j * n
                        for k in 0..<n {
                            let x = v[rows?[k] ?? k]
                            o[base + k] = ((x.isNaN ? fill : x) - s.center) / s.scale
                        }
                    }
                    j += 1
                case .categorical(let s):
                    let col = table.column(named: s.column)!
                    let map = s.levelMap(for: col)
                    let keep = options.categoricalImputation == .keep
                    for k in 0..<n {
                        let code = Int(col.codes[rows?[k] ?? k])
                        let level: Int? = code < 0 ? (keep ? nil : s.fill) : map[code]
                        switch s.encoding {
                        case .oneHot:
                            if let level { o[(j + level) * n + k] = 1 }  // unseen: all zeros
                        case .ordinal:
                            // unseen: the fill level, or NaN (missing) when kept
                            o[j * n + k] = level.map(Double.init) ?? (keep ? .nan : Double(s.fill))
                        }
                    }
                    j += s.width
                }
            }
        }
        return FeatureMatrix(rowCount: n, featureCount: d, values: out)
    }
}
