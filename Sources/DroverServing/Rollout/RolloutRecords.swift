/// A live experiment on one model: A/B (a share of traffic to the challenger, sticky by request
/// key) or shadow (the challenger scores every request, answers none).
public struct Rollout: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable { case ab, shadow }
    public enum Status: String, Sendable, Codable {
        case running
        /// The test found the challenger better and --auto-promote moved @champion to it.
        case promoted
        /// The test found the challenger better; promote by hand (`drover models promote`).
        case challengerBetter = "challenger_better"
        /// The challenger was significantly worse or failed too often: it gets no more traffic.
        case rolledBack = "rolled_back"
        /// Ended by `drover rollout stop` or replaced by a newer rollout.
        case stopped
    }

    public var id: Int64
    public var model: String
    public var mode: Mode
    public var championVersion: Int
    public var challengerVersion: Int
    /// Percent of traffic to the challenger (A/B); 100 for shadow (it sees every request).
    public var splitPercent: Double
    public var alpha: Double
    /// What an outcome measures per row: `accuracy` (classifiers, higher is better) or
    /// `abs_error` (regression, lower is better).
    public var metric: String
    public var autoPromote: Bool
    /// The challenger's error rate that ends the rollout (with at least `minRequests` requests).
    public var maxErrorRate: Double
    public var status: Status
    public var reason: String?
    public var verdictID: Int64?
    public var startedAt: Double
    public var endedAt: Double?

    public init(id: Int64 = 0, model: String, mode: Mode, championVersion: Int, challengerVersion: Int, splitPercent: Double,
                alpha: Double, metric: String, autoPromote: Bool, maxErrorRate: Double, status: Status = .running,
                reason: String? = nil, verdictID: Int64? = nil, startedAt: Double, endedAt: Double? = nil) {
        self.id = id; self.model = model; self.mode = mode; self.championVersion = championVersion
        self.challengerVersion = challengerVersion; self.splitPercent = splitPercent; self.alpha = alpha; self.metric = metric
        self.autoPromote = autoPromote; self.maxErrorRate = maxErrorRate; self.status = status; self.reason = reason
        self.verdictID = verdictID; self.startedAt = startedAt; self.endedAt = endedAt
    }

    /// Traffic arms: the champion answers what is not routed to the challenger.
    public static let championArm = "champion"
    public static let challengerArm = "challenger"
    public static let shadowArm = "shadow"
    public static let minRequests = 20

    public var higherIsBetter: Bool { metric != "abs_error" }
}

/// One scored row, logged while a rollout runs so outcomes arriving later can be joined by
/// request id (the routing decision is logged with it).
public struct PredictionLog: Sendable, Equatable {
    public var requestID: String
    public var row: Int
    public var rolloutID: Int64
    public var arm: String
    public var version: Int
    public var prediction: String
    public var score: Double
    public var latencyMicros: Int
    public var error: String?
    public var at: Double
}

/// Per-arm counts and the outcome-joined metric, as read for a decision or `rollout status`.
public struct ArmSummary: Sendable, Codable, Equatable {
    public var arm: String
    public var version: Int
    public var requests: Int
    public var errors: Int
    public var meanLatencyMicros: Double
    /// Rows with an outcome joined, and the metric's mean and variance over them.
    public var outcomes: Int
    public var metricMean: Double
    public var metricVariance: Double
    /// Mean prediction score (prediction distribution summary).
    public var meanScore: Double

    public var errorRate: Double { requests == 0 ? 0 : Double(errors) / Double(requests) }
}
