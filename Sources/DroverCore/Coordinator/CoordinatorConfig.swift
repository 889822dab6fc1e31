/// Timing and limits of the coordinator. Defaults follow the anchors in
/// shared/reference/job-systems.md ("Defaults we propose").
public struct CoordinatorConfig: Sendable, Equatable {
    /// Heartbeat interval, both directions (Paranoid Pirate: 1 s).
    public var heartbeatMs: Int64 = 1_000
    /// Missed heartbeats before a worker is suspect and gets no new work (PPP/MDP: 3).
    public var liveness: Int64 = 3
    /// Silence after which a worker is dead and its attempts re-queued (≥ 10 s so a
    /// service can restart; Ray 15 s). Also how long a restarted coordinator waits for
    /// workers to reclaim the attempts they hold.
    public var leaseMs: Int64 = 10_000
    /// A worker whose connection closed is declared dead at once (not at lease expiry) only if it
    /// was heard from within this long before the close; a longer silence means the transport
    /// timed the connection out (partition, stopped process) and the lease decides. Must stay
    /// below the ZMTP heartbeat timeout (3 s), which closes silent connections.
    public var disconnectSilenceMs: Int64 = 2_000
    /// Most jobs waiting (queued, retry-wait or held) before SUBMIT answers BUSY.
    public var maxQueued: Int = 1_000_000
    /// Worker deaths a running job may be present at before it is held as poison (Dask: 3).
    public var poisonThreshold: UInt16 = 3
    /// Backoff between application-failure retries.
    public var backoff = Backoff()
    /// Extra time past a job's timeout before the coordinator stops waiting for the worker
    /// to report it and marks it timed out itself.
    public var timeoutGraceMs: Int64 = 5_000
    /// What BUSY tells a client to wait before retrying.
    public var busyRetryAfterMs: UInt32 = 100
    /// Finished jobs kept in memory with their full history; older ones are evicted (their final
    /// state stays, one byte each; the journal keeps everything). Bounds the coordinator's memory
    /// by the queue bound plus this, not by every job it has ever seen.
    public var retainFinished: Int = 200_000
    /// Most assignments in one ASSIGN message (bounded frames, fair sharing between workers).
    public var maxAssignBatch: Int = 1_024

    public init() {}

    public var suspectAfterMs: Int64 { heartbeatMs * liveness }
}
