import DroverCore

/// An immutable model version: what was trained, from which run, with which metrics.
public struct ModelVersion: Sendable, Codable, Hashable {
    public var model: String
    public var version: Int
    public var artifactDigest: String
    /// The model's input/output signature (JSON, opaque to the registry).
    public var signature: String
    public var metrics: [String: Double]
    public var runID: String?
    public var createdAt: Double
    /// Aliases that point at this version now (filled by reads).
    public var aliases: [String]
}

public struct ModelSummary: Sendable, Codable, Hashable {
    public var name: String
    public var versions: Int
    public var latestVersion: Int?
    public var aliases: [String: Int]
    public var createdAt: Double
}

/// One audited alias move. The table is append-only (SQLite triggers refuse UPDATE and DELETE).
public struct AliasMove: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable {
        /// Moved because a verdict passed.
        case promote
        /// Moved by a human without a passing verdict; `reason` says why.
        case forced
        /// Moved back to an earlier version.
        case rollback
        /// A custom alias (e.g. challenger) pointed at a version.
        case set
    }

    public var id: Int64
    public var model: String
    public var alias: String
    public var fromVersion: Int?
    public var toVersion: Int
    public var kind: Kind
    public var actor: String
    public var reason: String
    public var verdictID: Int64?
    public var at: Double
}

public struct StoredVerdict: Sendable, Codable, Hashable {
    public var id: Int64
    public var model: String
    public var candidateVersion: Int
    public var baselineVersion: Int?
    public var verdict: Verdict
    public var runID: String?
    public var createdAt: Double
}

/// Asks to move an alias (by default `champion`) to a version.
public struct PromotionRequest: Sendable, Hashable {
    public var model: String
    public var version: Int
    public var alias: String
    /// The verdict deciding this promotion (stored with it, pass or fail); nil for a hand-made
    /// promotion, which must then be forced.
    public var verdict: Verdict?
    /// Or a verdict already stored for this candidate (e.g. by a pipeline's evaluate step).
    public var verdictID: Int64?
    /// The champion the verdict compared with (nil for a first model).
    public var baselineVersion: Int?
    public var runID: String?
    public var actor: String
    /// Why. Required for a forced promotion.
    public var reason: String?
    /// Move even without a passing verdict (needs a non-empty `reason`; recorded as `forced`).
    public var force: Bool
    /// Idempotency key (e.g. `run-12/promote`): a request repeated with the same key — a resumed
    /// run — returns the first outcome and never moves the alias twice.
    public var requestKey: String?
    /// Move only if the alias still points at `baselineVersion` (nil: at nothing) — the version
    /// the verdict compared with. A pipeline sets it: a champion that moved during the run (another
    /// run promoted, a rollback) was never compared with this candidate.
    public var requireBaselineCurrent: Bool

    public init(model: String, version: Int, alias: String = "champion", verdict: Verdict? = nil,
                verdictID: Int64? = nil, baselineVersion: Int? = nil, runID: String? = nil, actor: String, reason: String? = nil,
                force: Bool = false, requestKey: String? = nil, requireBaselineCurrent: Bool = false) {
        self.model = model; self.version = version; self.alias = alias; self.verdict = verdict
        self.verdictID = verdictID
        self.baselineVersion = baselineVersion; self.runID = runID; self.actor = actor; self.reason = reason
        self.force = force; self.requestKey = requestKey; self.requireBaselineCurrent = requireBaselineCurrent
    }
}

public struct PromotionResult: Sendable, Codable, Hashable {
    /// True when the alias now points at the requested version because of this request.
    public var moved: Bool
    public var move: AliasMove?
    public var verdict: StoredVerdict?
    /// True when the request key had been seen: nothing was written now.
    public var replayed: Bool
    /// Why the alias did not move, when it did not.
    public var note: String?
}
