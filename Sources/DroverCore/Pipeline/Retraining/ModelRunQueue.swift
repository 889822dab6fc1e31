/// One promotion of a model at a time for triggered runs (docs/pipelines.md, "Online
/// retraining"): per model, at most one run in progress and at most one waiting behind it.
/// A trigger that fires while a run is in progress queues a run; one that fires while a run is
/// already waiting is coalesced into it — the waiting run reads its spans when it begins, so it
/// trains on every span that arrived meanwhile. A pure state machine: the runner feeds it the
/// runs it starts and ends, and starts what it says.
public struct ModelRunQueue: Sendable, Equatable, Codable {
    public struct Slot: Sendable, Equatable, Codable {
        public var active: String?
        public var waiting: String?
    }

    public private(set) var models: [String: Slot] = [:]

    public init() {}

    public enum Admission: Sendable, Equatable {
        /// Begin the run now.
        case start
        /// The run is queued behind `behind`; it begins when that one ends.
        case queued(behind: String)
        /// No new run: the trigger joins `run`, already waiting behind `behind`.
        case coalesced(into: String, behind: String)
    }

    /// A triggered run `run` for `model` wants to begin.
    public mutating func admit(_ run: String, model: String) -> Admission {
        var slot = models[model] ?? Slot()
        defer { models[model] = slot }
        guard let active = slot.active else {
            slot.active = run
            return .start
        }
        if let waiting = slot.waiting { return .coalesced(into: waiting, behind: active) }
        slot.waiting = run
        return .queued(behind: active)
    }

    /// A run not started by a trigger (`drover run`) is in progress: triggered runs wait for it.
    /// Returns false when another run already holds the model (the run goes ahead regardless,
    /// judged by the "champion moved" rule).
    public mutating func hold(_ run: String, model: String) -> Bool {
        guard models[model]?.active == nil else { return false }
        models[model, default: Slot()].active = run
        return true
    }

    /// `run` ended; returns the waiting run to begin now, if any.
    public mutating func finished(_ run: String, model: String) -> String? {
        guard var slot = models[model], slot.active == run else { return nil }
        slot.active = slot.waiting
        slot.waiting = nil
        models[model] = slot.active == nil ? nil : slot
        return slot.active
    }

    /// The run holding `model`, if any.
    public func active(model: String) -> String? { models[model]?.active }
}
