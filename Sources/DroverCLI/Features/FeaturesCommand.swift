import ArgumentParser
import DroverML
import DroverServing
import Foundation
import NativeThreads

/// `drover features`: feature views over CSV sources, an online store (SQLite) with TTL, and
/// point-in-time-correct joins for training (docs/serving.md, "Feature store").
struct FeaturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Feature views: apply definitions, materialize to the online store, read online, join point-in-time.",
        discussion: """
        Examples:
          drover features apply examples/churn/features.yaml
          drover features materialize churn_features --to now
          drover features get churn_features --entity customer_id=42
          drover features join churn_features labels.csv --timestamp label_time > training.csv
        """,
        subcommands: [FeaturesApply.self, FeaturesMaterialize.self, FeaturesGet.self, FeaturesJoin.self])
}

/// Opens the feature store of `--data-dir` and finds a view.
extension MetadataOptions {
    func features() throws -> FeatureStore {
        _ = try open()
        do { return try FeatureStore(dataDirectory: path) } catch { throw CLIError("cannot open the feature store: \(error)") }
    }

    func view(_ name: String, in store: FeatureStore) async throws -> FeatureView {
        guard let v = try await store.view(name) else {
            let known = try await store.viewNames()
            throw CLIError.input("no feature view '\(name)'" + (known.isEmpty ? "; none applied yet" : "; applied: \(known.joined(separator: ", "))"),
                                 hint: "apply its definition first: drover features apply features.yaml")
        }
        return v
    }
}

struct FeaturesApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Check and store feature view definitions (YAML).",
        discussion: """
        Every source must exist and have the entity, timestamp and feature columns.
        A data directory without a store gets one. Exit 0 applied, 2 bad definition.
        Example:
          drover features apply examples/churn/features.yaml
        """)

    @Argument(help: "The definitions file.")
    var file: String
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await TrainSupport.run {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CLIError.input("cannot read \(file)", hint: "check the path")
            }
            let views: [FeatureView]
            do { views = try FeatureDefinitions.parse(text, file: file) } catch { throw CLIError.input("\(error)") }
            for v in views {
                do { _ = try await runOffPool { try FeatureRows.read(v) } } catch let e as FeatureDefinitionError {
                    throw CLIError.input(e.description)
                }
            }
            try store.createIfMissing() // a feature store may be the first use of a data directory
            let features = try store.features()
            try await features.apply(views, at: Date().timeIntervalSince1970)
            if output.json { return try Output.json(views) }
            for v in views {
                Output.line("applied \(v.name): entity \(v.entity), \(v.features.count) features, ttl \(v.ttlSeconds == 0 ? "none" : "\(Int(v.ttlSeconds)) s"), source \(v.source)")
            }
        }
    }
}

struct FeaturesMaterialize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize",
        abstract: "Load the latest value per entity up to a time into the online store.",
        discussion: """
        Rows stamped after --to (future or late) are counted and not loaded. A value already in
        the store is replaced only by a later event. Exit 0, 2 unknown view.
        Examples:
          drover features materialize churn_features --to now
          drover features materialize churn_features --to 2026-06-01T00:00:00Z --json
        """)

    @Argument(help: "The feature view.")
    var name: String
    @Option(name: .long, help: "The end time: now, unix seconds or ISO 8601.")
    var to: String = "now"
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var view: String; var end: Double; var scanned: Int; var entities: Int; var written: Int; var future: Int; var skipped: Int }

    func run() async throws {
        try await TrainSupport.run {
            let end: Double
            if to == "now" { end = Date().timeIntervalSince1970 } else {
                guard let t = FeatureDefinitions.timestamp(to) else { throw CLIError.input("--to '\(to)' is not now, unix seconds or ISO 8601") }
                end = t
            }
            let features = try store.features()
            let view = try await store.view(name, in: features)
            let source: FeatureRows
            do { source = try await runOffPool { try FeatureRows.read(view) } } catch let e as FeatureDefinitionError {
                throw CLIError.input(e.description)
            }
            let m = Materialization(source, upTo: end)
            let written = try await features.write(view: name, rows: m.rows)
            try await features.recordMaterialization(view: name, end: end, rows: m.rows.count, written: written, at: Date().timeIntervalSince1970)
            let report = Report(view: name, end: end, scanned: m.scanned, entities: m.rows.count, written: written, future: m.future,
                                skipped: source.skippedNoKey + source.skippedBadTime)
            if output.json { return try Output.json(report) }
            Output.line("\(name): \(m.scanned) rows read, \(m.rows.count) entities, \(written) online values updated"
                        + (m.future > 0 ? ", \(m.future) rows after the end time left out" : "")
                        + (report.skipped > 0 ? ", \(report.skipped) rows without a key or timestamp skipped" : ""))
        }
    }
}

struct FeaturesGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "The online value of one entity, as serving reads it (TTL applied).",
        discussion: """
        Exit 0 present, 3 stale (older than the TTL) or missing, 2 bad input.
        Example:
          drover features get churn_features --entity customer_id=42
        """)

    @Argument(help: "The feature view.")
    var name: String
    @Option(name: .long, help: "KEY=VALUE of the entity.")
    var entity: String
    @Option(name: .long, help: "Read as of this time (default now): unix seconds or ISO 8601.")
    var at: String?
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await TrainSupport.run {
            let parts = entity.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { throw CLIError.input("--entity must be KEY=VALUE, e.g. customer_id=42") }
            let features = try store.features()
            let view = try await store.view(name, in: features)
            guard parts[0] == view.entity else {
                throw CLIError.input("feature view \(name) is keyed by '\(view.entity)', not '\(parts[0])'")
            }
            let now = try at.map { text -> Double in
                guard let t = FeatureDefinitions.timestamp(text) else { throw CLIError.input("--at '\(text)' is not unix seconds or ISO 8601") }
                return t
            } ?? Date().timeIntervalSince1970
            let value = try await features.get(view, key: parts[1], now: now)
            if output.json { try Output.json(value) } else {
                Output.line("\(name) \(view.entity)=\(parts[1]): \(value.status.rawValue)" + (value.eventTime.map { " (event \(isoTime($0)))" } ?? ""))
                for f in view.features { if let v = value.values?[f] { Output.line("  \(f) = \(v.keyText ?? "null")") } }
            }
            if value.status != .present { throw DroverExit.negativeVerdict }
        }
    }
}

struct FeaturesJoin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Point-in-time join of a label file with a feature view (CSV on stdout), for training.",
        discussion: """
        For each label row the latest feature row of its entity at or before the row's
        timestamp and no older than the TTL: no value from after the label. Rows without one
        get empty feature cells.
        Example:
          drover features join churn_features labels.csv --timestamp label_time > training.csv
        """)

    @Argument(help: "The feature view.")
    var name: String
    @Argument(help: "Labels CSV with the entity key column and a timestamp column.")
    var labels: String
    @Option(name: .long, help: "The labels' timestamp column.")
    var timestamp: String = "event_time"
    @OptionGroup var store: MetadataOptions

    func run() async throws {
        try await TrainSupport.run {
            let features = try store.features()
            let view = try await store.view(name, in: features)
            let labelsPath = labels, time = timestamp
            let result: OfflineJoin.Result
            do { result = try await runOffPool { try OfflineJoin.run(view: view, labelsPath: labelsPath, timestamp: time) } } catch let e as FeatureDefinitionError {
                throw CLIError.input(e.description)
            }
            FileHandle.standardOutput.write(Data(result.csv))
        }
    }
}
