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
    /// The trigger journal's lines reflected in the states: later ones are applied at start.
    var journaled = 0

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
    /// The decision's key in the trigger journal, and the trigger's state after it: a run stored
    /// before its decision was journaled (the coordinator killed between the two) is journaled
    /// from these when the coordinator restarts, so it is neither lost nor fired again.
    var decision: String?
    var state: RetrainingTrigger.State?
}
