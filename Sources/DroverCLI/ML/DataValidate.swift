import ArgumentParser
import DroverML
import Foundation

/// `drover data validate FILE [--schema schema.json] [--reference train.csv]`: without
/// `--schema`, the schema is inferred from the reference as `drover data schema` would.
@available(macOS 10.15, *)
struct DataValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a CSV file against a schema and/or for drift from a reference file.",
        discussion: """
        Anomalies use TFDV's names and a severity (error blocks, warning
        informs). With --reference, each common column gets the drift test
        Evidently would choose: up to 1000 reference rows, KS / chi-square /
        Z-test at p < 0.05; more rows, Wasserstein / std or Jensen-Shannon
        distance >= 0.1. The dataset drifts when >= 50 % of columns drift.
        Per-column methods and thresholds come from the schema's "drift"
        entries. Without --schema, the schema is inferred from the reference
        file (as `drover data schema REFERENCE` would write it).

        Exit codes: 0 clean (warnings allowed), 3 an error-severity anomaly
        or dataset drift, 2 bad input (unreadable file or schema).

        Examples:
          drover data validate apr.csv --schema schema.json \\
            --reference jan.csv --exclude month
          drover data validate batch.csv --reference train.csv
        """
    )

    @Argument(help: "The CSV file to validate (the current batch).")
    var file: String

    @Option(help: "The schema JSON (from `drover data schema`); default: inferred from --reference.")
    var schema: String?

    @Option(help: "A reference CSV (e.g. the training data) to measure drift against.")
    var reference: String?

    @Option(help: "Share of drifted columns at which the dataset counts as drifted (0–1).")
    var driftShare: Double = 0.5

    @Option(parsing: .singleValue, help: "Leave a column out of the drift tests (repeatable), e.g. a date column.")
    var exclude: [String] = []

    @OptionGroup var read: DataReadOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard (0...1).contains(driftShare) else { throw ValidationError("--drift-share must be between 0 and 1") }
        guard schema != nil || reference != nil else {
            throw ValidationError("give --schema, --reference, or both (without --schema the schema is inferred from the reference)")
        }
    }

    /// Everything `validate` found, for `--json`.
    struct Report: Codable {
        var file: String
        var rows: Int
        var schema: String
        var anomalies: [Anomaly]
        var reference: String?
        var drift: DriftReport?
        /// "pass" or "fail" (an error-severity anomaly or dataset drift).
        var verdict: String
    }

    func run() async throws {
        try await Output.run {
            var options = try read.csvOptions()
            // Without --schema, the reference (read with inferred types) gives the schema.
            var inferredFrom: Table?
            let schemaValue: Schema
            if let schema {
                schemaValue = try DataInput.schema(schema)
            } else {
                let base = try DataInput.table(reference!, options)
                schemaValue = Schema.infer(from: DatasetStatistics.compute(base))
                inferredFrom = base
            }
            // Categorical features are read as categories even when their values look numeric
            // (zip codes, hours); forcing them cannot fail. Other types are inferred, so a type
            // change is reported as an anomaly rather than stopping the read.
            for feature in schemaValue.features where feature.type == .categorical && options.columnTypes[feature.name] == nil {
                options.columnTypes[feature.name] = .categorical
            }
            options.ignoresUnknownColumnTypes = true
            let current = try DataInput.table(file, options)
            let anomalies = DataValidator.validate(DatasetStatistics.compute(current), schema: schemaValue)
            var drift: DriftReport?
            if let reference {
                let base = try inferredFrom ?? DataInput.table(reference, options)
                var driftOptions = DriftOptions(driftShare: driftShare, excluded: Set(exclude))
                for feature in schemaValue.features { driftOptions.perColumn[feature.name] = feature.drift }
                drift = DriftDetector.compare(reference: base, current: current, options: driftOptions)
            }
            let blocking = anomalies.contains { $0.severity == .error } || drift?.datasetDrift == true
            let report = Report(file: file, rows: current.rowCount, schema: schema ?? "the schema inferred from \(reference!)",
                                anomalies: anomalies,
                                reference: reference, drift: drift, verdict: blocking ? "fail" : "pass")
            if json { try Output.json(report) } else { Output.line(DataText.validation(report)) }
            if blocking { throw DroverExit.negativeVerdict }
        }
    }
}
