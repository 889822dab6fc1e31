import DroverCore
import DroverProtocol
import DroverStore

/// Everything `drover coordinator` (and `drover up`) can configure.
public struct CoordinatorOptions: Sendable {
    /// Where workers connect (ROUTER). Default port 5555.
    public var workerEndpoint: String
    /// Where clients connect (a second ROUTER). Default: the worker port + 1.
    public var clientEndpoint: String
    public var dataDirectory: String
    public var durability: SQLiteJournal.Durability
    public var core: CoordinatorConfig
    /// Poll wake-up period for timers (heartbeats, leases, backoff).
    public var tickMs: Int64
    /// Most messages read from one socket before the batch is committed and answered.
    public var batchBudget: Int
    /// CURVE keys and allow-lists; `nil` = plaintext (allowed on loopback, or with `insecure`).
    public var security: CoordinatorSecurity?
    /// Bind a non-loopback address without keys anyway (`--insecure`).
    public var insecure: Bool
    /// How long after a worker's connection closed its routing id is probed; if gone, its jobs
    /// are re-queued then instead of at lease expiry (a reconnect within the grace keeps them).
    public var disconnectGraceMs: Int64
    /// Journal records committed between two snapshots (journal compaction); 0 = never compact.
    public var compactEvery: Int
    /// Answers `run.start`, `run` and `runs`; nil = this coordinator runs no pipelines.
    public var pipelines: (any PipelineDesk)?

    public init(workerEndpoint: String = "tcp://127.0.0.1:5555", clientEndpoint: String? = nil,
                dataDirectory: String = ".drover", durability: SQLiteJournal.Durability = .process,
                core: CoordinatorConfig = CoordinatorConfig(), security: CoordinatorSecurity? = nil,
                insecure: Bool = false) {
        self.workerEndpoint = workerEndpoint
        self.clientEndpoint = clientEndpoint ?? Endpoint.clientEndpoint(forWorkerEndpoint: workerEndpoint)
        self.dataDirectory = dataDirectory
        self.durability = durability
        self.core = core
        self.security = security
        self.insecure = insecure
        tickMs = max(5, min(50, core.heartbeatMs / 4))
        batchBudget = 4_096
        disconnectGraceMs = 500
        compactEvery = 500_000
    }
}
