import DroverArtifacts
import DroverCore
import Foundation
import ZeroMQ

/// Everything `drover worker` can configure.
public struct WorkerOptions: Sendable {
    /// The coordinator's worker endpoint (`tcp://host:5555`).
    public var coordinator: String
    /// Unique per worker process: a reconnect under the same name replaces the old session.
    public var name: String
    /// Jobs run at the same time.
    public var slots: Int
    /// Extra jobs held ready beyond `slots` (Celery's prefetch): hides dispatch latency for
    /// short jobs; keep it 0–1 for long ones so work is not hoarded. When not given, it adapts
    /// to the measured job duration between `slots` and `maxPrefetch` (about 2 ms of work per slot).
    public var prefetch: Int
    /// The adaptive prefetch's ceiling; equal to `prefetch` when a prefetch was given (fixed).
    public var maxPrefetch: Int
    /// The adaptive prefetch's default ceiling: what `drover bench dispatch` gives its workers,
    /// enough for no-ops to flow at the coordinator's full rate (docs/performance.md).
    public static let adaptivePrefetchCeiling = 4_096
    /// Resource tags offered (a job needing `gpu` only goes to a worker offering it).
    public var tags: [String]
    /// How long a draining worker lets running jobs finish before handing them back.
    public var drainGraceMs: Int64
    /// How long a HELLO may go unanswered before the worker tries a new connection; doubles to
    /// `reconnectMaxMs` with jitter (Paranoid Pirate starts at 1 s). Startup does not wait for it:
    /// HELLO is queued until TCP connects. 250 ms is well above a loaded loopback round trip, so a
    /// slow WELCOME is not mistaken for a lost one.
    public var reconnectMinMs: Int64 = 250
    public var reconnectMaxMs: Int64 = 32_000
    /// CURVE keys (this worker's pair and the coordinator's public key); `nil` = plaintext.
    public var curve: CurveClientKeys?
    /// How jobs reach artifacts (`JobContext.artifacts`); the CLI sets the HTTP-backed cache.
    public var artifacts: any ArtifactAccess = UnavailableArtifacts()

    public init(coordinator: String, name: String? = nil, slots: Int = 4, prefetch: Int? = nil, tags: [String] = [],
                drainGraceMs: Int64 = 10_000, curve: CurveClientKeys? = nil) {
        self.coordinator = coordinator
        self.name = name ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        self.slots = max(1, slots)
        self.prefetch = max(0, prefetch ?? slots)
        maxPrefetch = prefetch == nil ? max(self.prefetch, Self.adaptivePrefetchCeiling) : self.prefetch
        self.tags = tags
        self.drainGraceMs = drainGraceMs
        self.curve = curve
    }

    public var capacity: Int { slots + prefetch }

    /// The protocol session's settings for a worker running `registry`'s kinds.
    func sessionConfig(registry: ExecutorRegistry) -> WorkerSession.Config {
        var c = WorkerSession.Config(name: name, slots: slots, prefetch: prefetch, tags: tags,
                                     kinds: registry.kinds, immediateKinds: registry.immediateKinds)
        c.maxPrefetch = max(maxPrefetch, prefetch)
        c.reconnectMinMs = reconnectMinMs
        c.reconnectMaxMs = reconnectMaxMs
        c.drainGraceMs = drainGraceMs
        return c
    }
}
