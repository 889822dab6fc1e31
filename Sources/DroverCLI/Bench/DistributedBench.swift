import ArgumentParser
import DroverML
import Foundation

/// `drover bench distributed`: data-parallel training over real sockets against the same
/// training in one process, on the same CSV, in the same run, and the paper extrapolation of
/// the measured per-exchange costs to more workers.
struct DistributedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distributed",
        abstract: "Data-parallel training on N shard workers vs one process, same data, same run.",
        discussion: """
        The CSV is cut into N byte-range shards (as a pipeline does); each shard is served by a
        worker thread with its own ZeroMQ DEALER socket (the worker's `train-shard` loop), and the
        coordinator's trainer drives them over a ROUTER on loopback (real frames, real encoding).
        One process trains with `drover train`'s code and N threads. CSV parsing and the holdout
        metrics are not timed on either side.

        Per exchange (one per batch of GBDT splits, one per L-BFGS evaluation): wall time, the busiest
        shard's compute, and the coordination overhead = wall − busiest compute (coordinator
        compute + messaging + waiting), split into the coordinator's compute and the transport.
        Per learner round (the exchanges that repeat: grow, gradient, Gram), the same overhead
        without the set-up exchanges and one-time work: the transport in the round's exchange plus
        the coordinator's work between one round and the next (mean, median and p90 of the rounds).
        Then the wall time extrapolated on paper to --scale-to workers (see ScalingEstimate).

        Without --csv, a synthetic --rows × --features binary classification file is written to
        /tmp (kept for the next run).

        Example:
          drover bench distributed --rows 1000000 --models gbdt,logistic --shards 2
          drover bench distributed --csv /tmp/drover_models_1m.csv --json
          drover bench distributed --models gbdt --shard-spin-us 0      # shards sleep between requests
        """)

    @Option(help: "The data (CSV with a header row); default: a generated file in /tmp.")
    var csv: String?

    @Option(help: "Rows of the generated data (without --csv).")
    var rows: Int = 1_000_000

    @Option(help: "Features of the generated data (without --csv).")
    var features: Int = 20

    @Option(help: "Label column (default: the last column).")
    var label: String?

    @Option(help: "Comma-separated models: logistic, linear, ridge, gbdt.")
    var models: String = "gbdt,logistic"

    @Option(help: "Shards (worker threads) for data-parallel training, and threads for the single process.")
    var shards: Int = 2

    @Option(help: "GBDT trees.")
    var trees: Int = 100

    @Option(help: "GBDT leaves per tree (num_leaves).")
    var leaves: Int = 31

    @Option(help: "How long a shard polls without sleeping after each reply at least, µs; longer after a longer request, up to 50 ms (0: it sleeps at once; workers use 2000).")
    var shardSpinUs: Int = 2000

    @Option(help: "Comma-separated worker counts for the paper extrapolation.")
    var scaleTo: String = "16,64"

    @Option(help: "The coordinator's link for the extrapolation, Gbit/s.")
    var gbits: Double = 10

    @Flag(help: "Print results as JSON.")
    var json = false

    struct Row: Encodable {
        var model: String
        var rows: Int
        var shards: Int
        var singleSeconds: Double
        var distributedSeconds: Double
        var ratio: Double
        var exchanges: Int
        var roundExchanges: Int
        var msPerExchange: Double
        var busiestComputeMsPerExchange: Double
        var overheadMsPerExchange: Double
        var coordinatorMsPerExchange: Double
        var transportMsPerExchange: Double
        /// Per learner round (gradient, Gram or grow exchange), set-up exchanges and one-time work left
        /// out: the coordination overhead = transport in the round's exchange + the coordinator's work
        /// between one round and the next.
        var overheadMsPerRound: Double
        /// The rounds' overheads one by one: a host that takes a core away for a few ms (steal time
        /// on a VM) lands on a few rounds, which the median leaves out and the mean does not.
        var overheadMsPerRoundMedian: Double
        var overheadMsPerRoundP90: Double
        var transportMsPerRound: Double
        var coordinatorMsPerRound: Double
        /// GBDT: the model's splits, and the coordination overhead per split (an exchange asks for several).
        var splits: Int?
        var overheadMsPerSplit: Double?
        var reply: ReplyCost
        var extrapolation: [ScalingEstimate]
        var singleMetrics: EvaluationMetrics?
        var distributedMetrics: EvaluationMetrics?
    }

    struct Report: Encodable {
        var loadAverage: [Double]
        /// How long shards polled without sleeping after each reply, µs.
        var shardSpinUs: Int
        var rows: [Row]
    }

    func run() async throws {
        try await TrainSupport.run {
            guard shards >= 1, shards <= 64, trees >= 1, rows >= 100, features >= 1, gbits > 0 else {
                throw CLIError.input("--shards must be 1–64, --trees at least 1, --rows at least 100, --features and --gbits positive")
            }
            let scale = try TrainSupport.parseList(scaleTo).map { s in
                guard let n = Int(s), n >= 1 else { throw CLIError.input("--scale-to: '\(s)' is not a worker count", hint: "e.g. --scale-to 16,64") }
                return n
            }
            guard leaves >= 2 else { throw CLIError.input("--leaves is '\(leaves)', which is not an integer ≥ 2", hint: "e.g. --leaves 31") }
            guard shardSpinUs >= 0, shardSpinUs <= 1_000_000 else {
                throw CLIError.input("--shard-spin-us is '\(shardSpinUs)', which is not 0–1000000 µs", hint: "e.g. --shard-spin-us 0 to let shards sleep at once")
            }
            let kinds = try TrainSupport.modelKinds(models)
            let path = try dataPath()
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.input("cannot read \(path)") }
            let bytes = [UInt8](data)
            let header = try CSVReader.read(path: path, options: CSVOptions(rowRange: 0..<1))
            let labelName = label ?? header.columnNames.last ?? ""
            let table = try TrainSupport.readTable(path, label: labelName, labelRequired: true)
            var report = Report(loadAverage: Self.loadAverage(), shardSpinUs: shardSpinUs, rows: [])
            for kind in kinds {
                var o = TrainingOptions(kind: kind, label: labelName)
                o.holdoutModulo = 5
                o.trees = trees
                o.leaves = leaves
                o.threads = shards
                o.shards = shards
                let single = try ModelTrainer.train(table, source: path, options: o)
                let run = try await DistributedBenchRun.measure(bytes, shards: shards, options: o, spin: .microseconds(shardSpinUs))
                let row = Self.row(kind, single: single, run: run, shards: shards, scale: scale, bandwidth: gbits * 1e9 / 8)
                report.rows.append(row)
                if !json { Self.print(row) }
            }
            if json { try Output.json(report) }
        }
    }

    private func dataPath() throws -> String {
        if let csv { return csv }
        let path = "/tmp/drover_distributed_\(rows)x\(features).csv"
        if !FileManager.default.fileExists(atPath: path) {
            if !json { Output.line("writing \(rows) × \(features) synthetic rows to \(path)") }
            try SyntheticClassification.write(to: path, rows: rows, features: features)
        }
        return path
    }

    static func row(_ kind: ModelKind, single: ModelFile, run: DistributedBenchRun, shards: Int, scale: [Int], bandwidth: Double) -> Row {
        let e = Double(max(run.exchanges, 1))
        let splits = run.model.gbdt.map { $0.trees.reduce(0) { $0 + $1.nodes.filter { $0.feature >= 0 }.count } }
        let overhead = max(0, run.seconds - run.busiestCompute)
        let measured = ScalingEstimate.Measured(shards: shards, exchanges: run.exchanges, compute: run.busiestCompute / e,
                                                wall: run.seconds / e, replyBytes: run.reply.bytes,
                                                decode: run.reply.decodeMicroseconds / 1e6, merge: run.reply.mergeMicroseconds / 1e6,
                                                singleSeconds: single.training.seconds)
        return Row(model: kind.rawValue, rows: single.training.trainingRows + single.training.holdoutRows, shards: shards,
                   singleSeconds: single.training.seconds, distributedSeconds: run.seconds,
                   ratio: run.seconds / single.training.seconds, exchanges: run.exchanges, roundExchanges: run.rounds,
                   msPerExchange: run.seconds * 1000 / e, busiestComputeMsPerExchange: run.busiestCompute * 1000 / e,
                   overheadMsPerExchange: overhead * 1000 / e,
                   coordinatorMsPerExchange: run.coordinatorSeconds * 1000 / e,
                   transportMsPerExchange: max(0, run.transportSeconds) * 1000 / e,
                   overheadMsPerRound: (max(0, run.roundTransportSeconds) + run.roundCoordinatorSeconds) * 1000,
                   overheadMsPerRoundMedian: median(run.roundOverheads) * 1000,
                   overheadMsPerRoundP90: percentile(run.roundOverheads.sorted(), 90) * 1000,
                   transportMsPerRound: max(0, run.roundTransportSeconds) * 1000,
                   coordinatorMsPerRound: run.roundCoordinatorSeconds * 1000,
                   splits: splits, overheadMsPerSplit: splits.map { overhead * 1000 / Double(max($0, 1)) }, reply: run.reply,
                   extrapolation: scale.map { ScalingEstimate.estimate(measured, workers: $0, bandwidthBytesPerSecond: bandwidth) },
                   singleMetrics: single.training.holdoutMetrics, distributedMetrics: run.model.training.holdoutMetrics)
    }

    static func print(_ r: Row) {
        Output.line(String(format: "%@ (%d rows): one process %.2f s, %d shards %.2f s (×%.2f)",
                           r.model, r.rows, r.singleSeconds, r.shards, r.distributedSeconds, r.ratio))
        Output.line(String(format: "  %d exchanges (%d learner rounds), %.3f ms each: busiest shard %.3f ms, coordination overhead %.3f ms (coordinator compute %.3f, transport %.3f)",
                           r.exchanges, r.roundExchanges, r.msPerExchange, r.busiestComputeMsPerExchange,
                           r.overheadMsPerExchange, r.coordinatorMsPerExchange, r.transportMsPerExchange))
        Output.line(String(format: "  per learner round (set-up exchanges and one-time work left out): coordination overhead mean %.3f ms (coordinator between rounds %.3f, transport %.3f), median %.3f, p90 %.3f",
                           r.overheadMsPerRound, r.coordinatorMsPerRound, r.transportMsPerRound,
                           r.overheadMsPerRoundMedian, r.overheadMsPerRoundP90))
        if let splits = r.splits, let perSplit = r.overheadMsPerSplit {
            Output.line(String(format: "  %d splits: coordination overhead %.3f ms per split", splits, perSplit))
        }
        Output.line(String(format: "  per reply: %d bytes, decode %.1f µs, merge %.1f µs",
                           r.reply.bytes, r.reply.decodeMicroseconds, r.reply.mergeMicroseconds))
        for x in r.extrapolation {
            Output.line(String(format: "  on paper, %d workers: %.3f ms per exchange, %.2f s (×%.1f faster than one process; coordination %.0f %%)",
                               x.workers, x.secondsPerExchange * 1000, x.seconds, x.speedup, x.coordinationShare * 100))
        }
        let a = r.singleMetrics?.items.map { "\($0.0) \(String(format: "%.4f", $0.1))" } ?? []
        let b = r.distributedMetrics?.items.map { "\($0.0) \(String(format: "%.4f", $0.1))" } ?? []
        Output.line("  holdout, one process: \(a.joined(separator: ", "))")
        Output.line("  holdout, distributed: \(b.joined(separator: ", "))")
    }

    static func loadAverage() -> [Double] {
        var l = [Double](repeating: 0, count: 3)
        return getloadavg(&l, 3) == 3 ? l : []
    }
}
