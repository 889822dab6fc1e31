import ArgumentParser
import DroverML
import Foundation

/// `drover data stats FILE`: per-column statistics.
@available(macOS 10.15, *)
struct DataStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print per-column statistics of a CSV file.",
        discussion: """
        Counts, missing values, distinct values (exact up to 1,000, then
        HyperLogLog, 1.6 % standard error), mean, std, min, median, max
        (quantiles from a sketch, see docs/ml-data.md) and top categories.

        Example:
          drover data stats Tests/Fixtures/taxi.csv
          drover data stats train.csv --json > stats.json
        """
    )

    @Argument(help: "The CSV file (header row; label is just another column).")
    var file: String

    @OptionGroup var read: DataReadOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        try await Output.run {
            let table = try DataInput.table(file, try read.csvOptions())
            let summary = DatasetSummary(source: file, statistics: DatasetStatistics.compute(table))
            if json { try Output.json(summary) } else { Output.line(DataText.stats(summary)) }
        }
    }
}
