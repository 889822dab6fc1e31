import ArgumentParser
import DroverML
import Foundation

/// `drover data schema FILE`: infer a schema (JSON on stdout).
@available(macOS 10.15, *)
struct DataSchema: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Infer a schema from a CSV file and print it as JSON.",
        discussion: """
        TFDV defaults: presence 1 for columns never missing, numeric ranges
        from the data (warning severity), categories when there are at most
        100 distinct values, minRows 1. Review and edit the file, commit it,
        and validate new data against it.

        Example:
          drover data schema train.csv > schema.json
        """
    )

    @Argument(help: "The CSV file to infer the schema from (normally the training data).")
    var file: String

    @OptionGroup var read: DataReadOptions

    func run() async throws {
        try await Output.run {
            let table = try DataInput.table(file, try read.csvOptions())
            let schema = Schema.infer(from: DatasetStatistics.compute(table))
            Output.line(String(decoding: try schema.encoded(), as: UTF8.self))
        }
    }
}
