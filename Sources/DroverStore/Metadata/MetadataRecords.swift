/// Value types written to and read from the metadata store. Times are unix seconds.

public struct RunRecord: Sendable, Codable, Hashable {
    public var id: String
    public var pipeline: String
    public var status: String
    public var startedAt: Double
    public var finishedAt: Double?
    public var codeVersion: String?
    public var specDigest: String?
    public var message: String?

    public init(id: String, pipeline: String, status: String = "running", startedAt: Double,
                finishedAt: Double? = nil, codeVersion: String? = nil, specDigest: String? = nil,
                message: String? = nil) {
        self.id = id; self.pipeline = pipeline; self.status = status; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.codeVersion = codeVersion; self.specDigest = specDigest
        self.message = message
    }
}

public struct StepRecord: Sendable, Codable, Hashable {
    public var runID: String
    public var name: String
    public var kind: String
    public var status: String
    public var startedAt: Double
    public var finishedAt: Double?
    /// True when the step was served from cache; `cacheReason` says why (or why not).
    public var cacheHit: Bool
    public var cacheKey: String?
    public var cacheReason: String?
    public var message: String?

    public init(runID: String, name: String, kind: String, status: String, startedAt: Double,
                finishedAt: Double? = nil, cacheHit: Bool = false, cacheKey: String? = nil,
                cacheReason: String? = nil, message: String? = nil) {
        self.runID = runID; self.name = name; self.kind = kind; self.status = status
        self.startedAt = startedAt; self.finishedAt = finishedAt; self.cacheHit = cacheHit
        self.cacheKey = cacheKey; self.cacheReason = cacheReason; self.message = message
    }

    public var duration: Double? { finishedAt.map { $0 - startedAt } }
}

/// One attempt of one job of a step (a retried shard has several).
public struct JobAttemptRecord: Sendable, Codable, Hashable {
    public var runID: String
    public var step: String
    public var jobID: Int64
    public var attempt: Int
    public var shard: Int?
    public var worker: String?
    public var status: String
    public var startedAt: Double
    public var finishedAt: Double?
    public var message: String?

    public init(runID: String, step: String, jobID: Int64, attempt: Int, shard: Int? = nil,
                worker: String? = nil, status: String, startedAt: Double, finishedAt: Double? = nil,
                message: String? = nil) {
        self.runID = runID; self.step = step; self.jobID = jobID; self.attempt = attempt
        self.shard = shard; self.worker = worker; self.status = status; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.message = message
    }
}

/// A metric value (MLflow's model: key, value, step, timestamp), plus which step produced it.
public struct MetricPoint: Sendable, Codable, Hashable {
    public var key: String
    public var value: Double
    public var step: Int64
    public var timestamp: Double
    public var source: String

    public init(key: String, value: Double, step: Int64 = 0, timestamp: Double, source: String = "") {
        self.key = key; self.value = value; self.step = step; self.timestamp = timestamp; self.source = source
    }
}

public struct ArtifactRecord: Sendable, Codable, Hashable {
    /// `sha256:<64 hex>` (DroverArtifacts' `ArtifactDigest` text form).
    public var digest: String
    public var size: Int64
    public var kind: String
    public var name: String
    public var createdAt: Double

    public init(digest: String, size: Int64, kind: String, name: String = "", createdAt: Double) {
        self.digest = digest; self.size = size; self.kind = kind; self.name = name; self.createdAt = createdAt
    }
}

/// An execution (a run's step) read or wrote an artifact.
public struct LineageEdge: Sendable, Codable, Hashable {
    public enum Direction: String, Sendable, Codable, Hashable { case read, wrote }
    public var runID: String
    public var step: String
    public var digest: String
    public var direction: Direction
    public var at: Double

    public init(runID: String, step: String, digest: String, direction: Direction, at: Double) {
        self.runID = runID; self.step = step; self.digest = digest; self.direction = direction; self.at = at
    }
}

/// One span of a dataset: an immutable, content-addressed slice of data.
public struct DatasetSpan: Sendable, Codable, Hashable {
    public var dataset: String
    public var span: Int
    public var digest: String
    public var rows: Int64
    public var schemaDigest: String?
    public var createdAt: Double

    public init(dataset: String, span: Int, digest: String, rows: Int64, schemaDigest: String? = nil, createdAt: Double) {
        self.dataset = dataset; self.span = span; self.digest = digest; self.rows = rows
        self.schemaDigest = schemaDigest; self.createdAt = createdAt
    }
}

/// A step's result stored under its cache key (the first run with that key wins).
public struct StepCacheEntry: Sendable, Codable, Hashable {
    public var key: String
    public var runID: String
    public var step: String
    public var outputs: [String: String]
    public var metrics: [String: Double]
    public var createdAt: Double

    public init(key: String, runID: String, step: String, outputs: [String: String], metrics: [String: Double], createdAt: Double) {
        self.key = key; self.runID = runID; self.step = step; self.outputs = outputs; self.metrics = metrics; self.createdAt = createdAt
    }
}

/// One write for the metadata store's writer thread.
public enum MetadataEvent: Sendable {
    /// Inserts the run, or updates its status/finish time/message when it exists.
    case run(RunRecord)
    /// Inserts the step, or replaces its state when it exists (start, then finish).
    case step(StepRecord)
    case jobAttempt(JobAttemptRecord)
    /// Params are immutable: the same key with another value is rejected (MLflow's rule).
    case params(runID: String, [String: String])
    case metrics(runID: String, [MetricPoint])
    case metric(runID: String, MetricPoint)
    case artifact(ArtifactRecord)
    case lineage(LineageEdge)
    /// A span number is written once; the same span with another digest is rejected.
    case span(DatasetSpan)
    /// Kept once per key: a later entry with the same key changes nothing.
    case stepCache(StepCacheEntry)
}
