import ArgumentParser

/// `drover data …`: statistics, schema and validation of CSV datasets.
@available(macOS 10.15, *)
public struct DataCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Describe, infer a schema for, and validate CSV datasets.",
        discussion: """
        Typical flow:
          drover data add diamonds span-1.csv        # a new span for pipelines
          drover data stats train.csv
          drover data schema train.csv > schema.json  # review, edit, commit
          drover data validate new.csv --schema schema.json --reference train.csv
        """,
        subcommands: [DataAdd.self, DataStats.self, DataSchema.self, DataValidate.self]
    )

    public init() {}
}
