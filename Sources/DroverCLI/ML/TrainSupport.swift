import ArgumentParser
import DroverML
import Foundation

/// Helpers shared by `train`, `evaluate`, `predict` and `bench ml-models`: reading tables,
/// mapping DroverML errors to `CLIError`s, and printing metrics.
enum TrainSupport {
    /// Runs `body`, turning `ModelError`/`DataError` into `CLIError` (bad input → exit 2).
    static func run(_ body: () async throws -> Void) async throws {
        try await Output.run {
            do {
                try await body()
            } catch let e as ModelError {
                throw CLIError(e.message, hint: e.hint,
                               exitCode: e.kind == .trainingFailed ? DroverExit.failure : DroverExit.usage)
            } catch let e as DataError {
                throw CLIError.input(e.description)
            }
        }
    }

    /// Reads a CSV, forcing the label (if given and present) to be read as text so class names
    /// like yes/no or 0/1 are kept exactly; numeric targets are parsed from that text. `types`
    /// forces column types (`drover train --type zip=categorical`); with `model`, its
    /// categorical inputs are read as categories, as in training, and may be absent (the
    /// signature check names them).
    static func readTable(_ path: String, label: String?, labelRequired: Bool,
                          types: [String: ColumnType] = [:], model: ModelFile? = nil) throws -> Table {
        var options = CSVOptions()
        options.columnTypes = types
        for spec in model?.signature.columns ?? [] where spec.type == .categorical { options.columnTypes[spec.name] = .categorical }
        if let label { options.columnTypes[label] = .categorical }
        options.ignoresUnknownColumnTypes = !labelRequired || model != nil  // predict: the label may be absent
        do {
            return try CSVReader.read(path: path, options: options)
        } catch let e as DataError where e.code == .unknownColumn && e.column == label {
            throw CLIError.input("label column '\(label!)' is not in \(path)", hint: e.hint)
        }
    }

    /// `column=type` entries of `--type`.
    static func parseTypes(_ entries: [String]) throws -> [String: ColumnType] {
        var types: [String: ColumnType] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let type = ColumnType(rawValue: parts[1]) else {
                throw CLIError.input("--type expects column=type with type numeric, categorical or boolean, got '\(entry)'")
            }
            types[parts[0]] = type
        }
        return types
    }

    static func parseList(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `--models logistic,gbdt` of the bench commands.
    static func modelKinds(_ text: String) throws -> [ModelKind] {
        try parseList(text).map { name in
            guard let k = ModelKind(rawValue: name) else {
                throw CLIError.input("unknown model '\(name)' in --models", hint: "use logistic, linear, ridge or gbdt")
            }
            return k
        }
    }

    /// `  accuracy   0.9825` lines.
    static func metricLines(_ m: EvaluationMetrics) -> [String] {
        m.items.map { name, value in
            "  " + name.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + format(value)
        }
    }

    static func format(_ v: Double) -> String {
        abs(v) >= 100 ? String(format: "%.2f", v) : String(format: "%.4f", v)
    }
}

/// Draws `training: tree 37/100` on stderr while training, only when stderr is a terminal.
struct TrainProgress: Sendable {
    static func reporter(enabled: Bool) -> (@Sendable (Int, Int) -> Void)? {
        guard enabled, Output.isTerminal else { return nil }
        return { done, total in
            FileHandle.standardError.write(Data("\rtraining: tree \(done)/\(total)\(done == total ? "\n" : "")".utf8))
        }
    }
}
