import DroverArtifacts
import DroverML
import DroverProtocol
import ZeroMQ

/// What an executor gets: the attempt's identity, its parameters, its cancellation token and the artifacts.
public struct JobContext: Sendable {
    public var jobID: JobID
    public var attempt: UInt32
    public var kind: String
    public var params: [String: String]
    /// Tripped when the attempt is cancelled, times out or is handed back on shutdown. Work on a
    /// thread of its own must check it (task cancellation does not reach it): the attempt's slot
    /// stays taken until the executor returns.
    public var cancellation: CancellationToken
    /// Inputs by digest and outputs as uploads (the coordinator's artifact server through this
    /// worker's cache; `UnavailableArtifacts` when none is configured).
    public var artifacts: any ArtifactAccess
    /// Artifacts the attempt produced, reported with its result.
    public var outputs = JobOutputs()
    /// Where a command's stdout and stderr go while it runs (set for executors with `streamsLogs`).
    public var logs: LogTap?
    /// The coordinator as this worker reaches it (`--connect`), and the worker's CURVE keys: for
    /// a job that opens a connection of its own to the coordinator (`train-shard`).
    public var coordinator = Endpoint.defaultCoordinator
    public var curve: CurveClientKeys?

    public init(jobID: JobID, attempt: UInt32, kind: String, params: [String: String],
                cancellation: CancellationToken = CancellationToken(),
                artifacts: any ArtifactAccess = UnavailableArtifacts()) {
        self.jobID = jobID
        self.attempt = attempt
        self.kind = kind
        self.params = params
        self.cancellation = cancellation
        self.artifacts = artifacts
    }

    /// A required parameter naming an artifact (`sha256:<64 hex>:<size>`), or an error naming it.
    public func requireArtifact(_ name: String) throws -> ArtifactRef {
        let text = try require(name)
        do { return try ArtifactRef(parsing: text) } catch {
            throw JobFailure("job parameter '\(name)' (kind \(kind)): \(error)")
        }
    }

    /// A required parameter, or an error naming it.
    public func require(_ name: String) throws -> String {
        guard let v = params[name] else { throw JobFailure("job parameter '\(name)' is missing (kind \(kind))") }
        return v
    }
}

/// A job's own failure (application error): retried within the job's `maxRetries`.
public struct JobFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs one kind of job on a worker. Later kinds (training, validation, features, commands)
/// plug in by registering another executor.
public protocol JobExecutor: Sendable {
    var kind: String { get }
    /// True for trivial kinds that finish at once (`noop`, `echo`, `fail`): they run on the
    /// worker's socket thread via `runImmediately`, without a task hop, and must never block.
    var isImmediate: Bool { get }
    /// Runs the job; honours `job.cancellation` and task cancellation (CANCEL from the
    /// coordinator, timeouts, shutdown) by returning soon, with an error.
    /// Returns the metrics to report (name → number).
    func run(_ job: JobContext) async throws -> [String: Double]
    func runImmediately(_ job: JobContext) throws -> [String: Double]
    /// Whether the worker streams this kind's output to the coordinator (`JobContext.logs`).
    var streamsLogs: Bool { get }
}

extension JobExecutor {
    public var isImmediate: Bool { false }
    public var streamsLogs: Bool { false }
    public func runImmediately(_ job: JobContext) throws -> [String: Double] {
        throw JobFailure("kind \(kind) cannot run immediately")
    }
    public func run(_ job: JobContext) async throws -> [String: Double] {
        try runImmediately(job)
    }
}
