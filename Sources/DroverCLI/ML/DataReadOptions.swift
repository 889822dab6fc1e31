import ArgumentParser
import DroverML

/// How a data command reads its CSV file(s); shared with `@OptionGroup`.
struct DataReadOptions: ParsableArguments {
    @Option(help: "Field separator: one character, or 'tab'.")
    var delimiter: String = ","

    @Option(name: .customLong("type"), parsing: .singleValue,
            help: ArgumentHelp("Force a column's type, e.g. --type hour=categorical (numeric, categorical, boolean).",
                               valueName: "column=type"))
    var types: [String] = []

    func csvOptions() throws -> CSVOptions {
        let byte: UInt8
        if delimiter == "tab" || delimiter == "\\t" {
            byte = UInt8(ascii: "\t")
        } else if delimiter.utf8.count == 1, let first = delimiter.utf8.first {
            byte = first
        } else {
            throw ValidationError("--delimiter must be one ASCII character or 'tab', got '\(delimiter)'")
        }
        return CSVOptions(delimiter: byte, columnTypes: try TrainSupport.parseTypes(types))
    }
}
