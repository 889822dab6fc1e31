import ArgumentParser
import DroverML
import Foundation

/// `drover bench ml-data --csv FILE`: times the CSV reader and the drift tests for
/// bench/ml/data_bench.py (which runs the pandas/scipy anchor and prints ratios).
/// Meant to be mounted under `drover bench`.
@available(macOS 10.15, *)
public struct BenchMLData: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ml-data",
        abstract: "Benchmark the CSV reader and drift tests (PSI + KS + Wasserstein).",
        discussion: """
        Reads FILE, then compares the first half of the rows (reference) with
        the second half (current) on every numeric column but the last (the
        label): one sort per column and side, KS + Wasserstein in one merge
        walk, PSI/JS on Sturges bins, columns in parallel.

        Example (bench/ml/data_bench.py runs the pandas/scipy anchor):
          drover bench ml-data --csv /tmp/drover_bench_1m.csv
        """
    )

    @Option(help: "The CSV file to read (e.g. 1,000,000 × 20 from bench/ml/data_bench.py).")
    var csv: String

    @Flag(help: "Print JSON (csvSeconds, driftSeconds, rows, columns).")
    var json = false

    public init() {}

    struct Result: Codable {
        var rows: Int
        var columns: Int
        var csvSeconds: Double
        var driftSeconds: Double
        /// CPU time (user + system, all threads): comparable across runs on a busy machine.
        var csvCPUSeconds: Double
        var driftCPUSeconds: Double
        var driftedColumns: Int
    }

    public func run() throws {
        let clock = ContinuousClock()
        var table: Table?
        let cpu0 = processCPUSeconds()
        let csvTime = try clock.measure {
            do { table = try CSVReader.read(path: csv) } catch let error as DataError { throw DataInput.cliError(error) }
        }
        let cpu1 = processCPUSeconds()
        guard let table else { return }
        let numeric = table.columns.dropLast().filter { $0.type == .numeric }
        let half = table.rowCount / 2
        let reference = Table(columns: numeric.map { Column(name: $0.name, numbers: Array($0.numbers[0..<half])) })
        let current = Table(columns: numeric.map { Column(name: $0.name, numbers: Array($0.numbers[half...])) })
        var report: DriftReport?
        let cpu2 = processCPUSeconds()
        let driftTime = clock.measure { report = DriftDetector.compare(reference: reference, current: current) }
        let cpu3 = processCPUSeconds()
        let result = Result(rows: table.rowCount, columns: table.columns.count, csvSeconds: seconds(csvTime),
                            driftSeconds: seconds(driftTime), csvCPUSeconds: cpu1 - cpu0, driftCPUSeconds: cpu3 - cpu2,
                            driftedColumns: report?.driftedCount ?? 0)
        if json {
            try Output.json(result)
        } else {
            Output.line(String(format: "CSV read: %d rows × %d columns in %.3f s (CPU %.3f s)", result.rows, result.columns,
                               result.csvSeconds, result.csvCPUSeconds))
            Output.line(String(format: "drift (%d columns, %d vs %d rows): %.3f s (CPU %.3f s)", numeric.count, half,
                               table.rowCount - half, result.driftSeconds, result.driftCPUSeconds))
        }
    }
}

/// A duration in seconds.
private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// CPU time of the whole process (all threads), in seconds.
private func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
