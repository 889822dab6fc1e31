import DroverCore
import Foundation

/// The models' registered pipelines and what each trigger remembers
/// (`<data-dir>/pipelines/triggers.json`, replaced atomically). A pipeline is registered by
/// `drover ingest PIPELINE.yaml …` and by any run of a spec with `trigger:`; its schedule is
/// then kept by the coordinator and `drover ingest MODEL …` uses it.
struct TriggerBook: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var file: String
        var yaml: String
        var state = RetrainingTrigger.State()
    }

    var models: [String: Entry] = [:]

    static func load(directory: String) throws -> TriggerBook {
        try JSONFiles.read(TriggerBook.self, from: path(directory)) ?? TriggerBook()
    }

    static func path(_ directory: String) -> String { (directory as NSString).appendingPathComponent("triggers.json") }

    func save(directory: String) throws { try JSONFiles.write(self, to: Self.path(directory)) }

    /// Registers (or replaces) the model's pipeline; the schedule starts counting now.
    mutating func register(model: String, file: String, yaml: String, nowMs: Int64) {
        var entry = models[model] ?? Entry(file: file, yaml: yaml)
        if entry.state.scheduleCheckedAtMs == nil { entry.state.scheduleCheckedAtMs = nowMs }
        entry.file = file
        entry.yaml = yaml
        models[model] = entry
    }
}

/// Why a run was started without a person: stored with the run, shown by `drover runs show`.
struct TriggerNote: Codable, Sendable, Equatable {
    /// `span`, `drift` or `schedule`.
    var rule: String
    var reason: String
    /// The ingest whose span fired it (`MODEL/span-N`), nil for a schedule.
    var ingest: String?
}

/// A span waiting for the trigger's decision (queued by the socket thread).
struct IngestRequest: Sendable {
    var id: String
    var model: String
    var file: String
    var yaml: String
    /// The dataset's name in the spec, and the span registered.
    var datasetName: String
    var span: SpanInput
    var isNew: Bool
}
