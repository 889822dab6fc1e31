import Foundation

/// The worker side of data-parallel training: one shard of the training data (the rows a
/// worker read by byte range) and the state the coordinator's requests build up on it. A pure
/// state machine over requests and replies: no sockets, no clock.
///
/// `@unchecked Sendable`: an instance is used by one thread at a time (the job running the
/// shard, or a test's local transport); it is handed between threads only between requests.
public final class ShardWorker: @unchecked Sendable {
    let csv: [UInt8]
    let source: String
    var table: Table
    var rowOffset = 0
    var labelName = ""
    var featureNames: [String] = []
    var holdoutModulo: Int?
    var trainRows: [Int] = []
    var holdoutRows: [Int] = []
    /// Prepared training rows: features and encoded targets.
    var x = FeatureMatrix(rowCount: 0, featureCount: 0, values: [])
    var y: [Double] = []
    var trees: TreeState?
    var summarized = false
    var prepared = false

    /// `csv`: the shard's bytes (header and its rows).
    public init(csv: [UInt8], source: String) throws {
        self.csv = csv
        self.source = source
        table = try CSVReader.read(data: csv, source: source, options: CSVOptions(threads: 1))
    }

    /// Time spent serving requests (the shard's compute, without waiting for the coordinator).
    public private(set) var busy: Duration = .zero

    public func handle(_ request: ShardRequest) -> ShardReply {
        let start = ContinuousClock.now
        defer { busy += ContinuousClock.now - start }
        do {
            return try serve(request)
        } catch {
            return .failed("\(source): \(error)")
        }
    }

    private func serve(_ request: ShardRequest) throws -> ShardReply {
        switch request {
        case .moments, .prepare, .holdout: if !summarized { return .needSetUp }
        case .sample, .bin, .gram, .gradient: if !prepared { return .needSetUp }
        case .grow: if trees == nil { return .needSetUp }
        case .describe, .summarize: break
        }
        switch request {
        case .describe:
            return .described(rows: table.rowCount, columns: table.columns.map { ColumnSpec(name: $0.name, type: $0.type) })
        case .summarize(let r):
            return .summary(try summarize(r))
        case .moments(let r):
            return .moments(moments(r))
        case .prepare(let r):
            return .prepared(try prepare(r))
        case .sample(let r):
            return .sample(sample(r))
        case .bin(let r):
            trees = TreeState(x: x, y: y, setup: r)
            return .binned
        case .gram:
            BLAS.useSingleThread()
            return .gram(GramPartial.compute(x, targets: y, shard: Shard(rows: 0..<x.rowCount)))
        case .gradient(let w):
            BLAS.useSingleThread()
            return .gradient(LogisticLoss.partial(x, labels: y, weights: w, shard: Shard(rows: 0..<x.rowCount)))
        case .grow(let r):
            return trees!.grow(r)
        case .holdout(let model):
            return .holdout(try holdout(model))
        }
    }

    private func summarize(_ r: SummaryRequest) throws -> TransformSummary {
        var forced: [String: ColumnType] = [:]
        for c in r.columns where table.column(named: c.name)?.type != c.type { forced[c.name] = c.type }
        if !forced.isEmpty {
            table = try CSVReader.read(data: csv, source: source, options: CSVOptions(columnTypes: forced, threads: 1))
        }
        (rowOffset, labelName, featureNames, holdoutModulo) = (r.rowOffset, r.label, r.features, r.holdoutModulo)
        guard let label = table.column(named: r.label) else {
            throw ModelError.input("label column '\(r.label)' is not in \(source)")
        }
        let rows = TransformSummary.rows(table, label: label, offset: r.rowOffset, holdoutModulo: r.holdoutModulo)
        (trainRows, holdoutRows) = (rows.train, rows.holdout)
        summarized = true
        return TransformSummary.of(table, features: r.features, label: label, rows: rows.train,
                                   holdout: rows.holdout.count, dropped: rows.dropped)
    }

    /// Σ x̃ and Σ (x̃ − mean)² of each numeric feature column (x̃: missing filled), pairs in order.
    private func moments(_ r: MomentsRequest) -> [Double] {
        var out: [Double] = []
        var i = 0
        for name in featureNames {
            guard let c = table.column(named: name), c.type != .categorical else { continue }
            let (fill, mean) = (r.fills[i], r.means[i])
            var s = 0.0, ss = 0.0
            for row in trainRows {
                let v = c.numbers[row].isNaN ? fill : c.numbers[row]
                s += v
                ss += (v - mean) * (v - mean)
            }
            out += [s, ss]
            i += 1
        }
        return out
    }

    private func prepare(_ r: PrepareRequest) throws -> PreparedShard {
        let label = table.column(named: labelName)!
        x = r.transform.apply(table, rows: trainRows)
        y = try ModelTrainer.encodeTargets(label, rows: trainRows, label: r.label, source: source)
        var counts = [Int](repeating: 0, count: r.label.classes.count)
        if !counts.isEmpty { for v in y { counts[Int(v)] += 1 } }
        prepared = true
        return PreparedShard(rows: y.count, targetSum: y.reduce(0, +), classCounts: counts)
    }

    /// Per feature: the values of the training rows whose global training index is a multiple
    /// of `stride` (the single-process bin sample).
    private func sample(_ r: SampleRequest) -> [[Double]] {
        let n = x.rowCount
        var first = (r.stride - r.trainingOffset % r.stride) % r.stride
        if first > n { first = n }
        return (0..<x.featureCount).map { j in
            Swift.stride(from: first, to: n, by: r.stride).map { x.values[j * n + $0] }
        }
    }

    private func holdout(_ model: ModelFile) throws -> HoldoutPredictions {
        guard !holdoutRows.isEmpty else { return HoldoutPredictions(targets: [], values: [], classes: [], probabilities: []) }
        let label = table.column(named: labelName)!
        let targets = try ModelTrainer.encodeTargets(label, rows: holdoutRows, label: model.label, source: source)
        let p = model.predict(features: model.transform.apply(table, rows: holdoutRows), threads: 1)
        return HoldoutPredictions(targets: targets, values: p.values, classes: p.classes, probabilities: p.probabilities)
    }
}
