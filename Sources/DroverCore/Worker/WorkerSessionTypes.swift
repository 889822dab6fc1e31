import DroverProtocol

extension WorkerSession {
    /// What a worker is and how it paces itself. Times in milliseconds.
    public struct Config: Sendable {
        public var name: String
        /// Attempts executing at the same time (a stopped attempt keeps its slot until its
        /// executor has returned).
        public var slots: Int
        /// Extra attempts held ready beyond `slots` (Celery's prefetch); with `maxPrefetch` above
        /// it, the floor of the adaptive prefetch (`WorkerSession+Prefetch.swift`).
        public var prefetch: Int
        /// The adaptive prefetch's ceiling; equal to `prefetch` (the default) keeps it fixed.
        public var maxPrefetch: Int
        /// Work per slot the adaptive prefetch aims to hold ready, in microseconds of the measured
        /// mean job duration: 2 ms covers a coordinator round trip on a loaded machine, so short jobs
        /// never wait for dispatch, while a worker never hoards more than ~2 ms of work per slot.
        public var prefetchWorkMicros: Double = 2_000
        public var tags: [String]
        /// Every kind this worker runs, announced in HELLO.
        public var kinds: [String]
        /// Kinds that finish at once on the caller's thread (`noop`, `echo`, `fail`): no STARTED is
        /// sent for them, their result goes out with the next RESULTS.
        public var immediateKinds: Set<String>
        /// First reconnect delay while HELLO is unanswered; doubles (with jitter) up to `reconnectMaxMs`.
        public var reconnectMinMs: Int64 = 10
        public var reconnectMaxMs: Int64 = 32_000
        /// How long a draining worker lets running attempts finish before handing them back.
        public var drainGraceMs: Int64 = 10_000
        /// After the grace: how long it still waits for acknowledgements and stopped executors.
        public var drainLingerMs: Int64 = 2_000

        public init(name: String, slots: Int, prefetch: Int, tags: [String] = [], kinds: [String],
                    immediateKinds: Set<String> = []) {
            self.name = name
            self.slots = max(1, slots)
            self.prefetch = max(0, prefetch)
            maxPrefetch = self.prefetch
            self.tags = tags
            self.kinds = kinds
            self.immediateKinds = immediateKinds
        }

        /// Attempts held at most with the prefetch at its floor: running plus prefetched.
        public var capacity: Int { slots + prefetch }
        /// True when the prefetch follows the measured job duration.
        public var isPrefetchAdaptive: Bool { maxPrefetch > prefetch }
    }

    /// What the shell must do. Perform effects in order.
    public enum Effect: Sendable, Equatable {
        case send(WorkerMessage)
        /// Close the connection, open a new one (fresh routing id), then call `connected(now:)`.
        case reconnect(ReconnectReason)
        /// Run this attempt and report its end with `executorsReturned`. For an immediate kind,
        /// report it before the next event.
        case start(Assignment)
        /// Trip this attempt's cancellation token. Its result is already reported; its slot stays
        /// taken until its executor returns (`executorsReturned`).
        case cancel(Lease)
        /// Draining is complete (BYE sent if connected): close the connection and stop.
        case stop
    }

    public enum ReconnectReason: Sendable, Equatable {
        /// The coordinator does not know this connection (it answered DISCONNECT).
        case disconnected
        /// No WELCOME within the backoff delay: try a new connection (one HELLO per connection).
        case helloUnanswered
        /// Nothing heard for liveness × heartbeat.
        case coordinatorSilent(ms: Int64)
    }

    /// An attempt holding a slot.
    struct Attempt: Sendable {
        var lease: Lease
        var startedAtMs: Int64
        var deadlineMs: Int64
        var immediate: Bool
        /// Stopped (cancelled, timed out, handed back): its result is reported, the executor has
        /// not returned yet.
        var stopping = false
    }
}

/// The most recent tokens of attempts this worker finished, so a duplicated ASSIGN is not run
/// twice. Bounded: a duplicate older than `capacity` finished attempts would be run again (its
/// result is then discarded by the coordinator's fencing); TCP never duplicates, only the
/// simulation's network does.
struct RecentTokens: Sendable {
    private var ring: [UInt64] = []
    private var next = 0
    private var members = TokenSet()
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ token: UInt64) -> Bool { members.contains(token) }

    mutating func insert(_ token: UInt64) {
        guard members.insert(token) else { return }
        if ring.count < capacity {
            ring.append(token)
        } else {
            members.remove(ring[next])
            ring[next] = token
            next = (next + 1) % capacity
        }
    }
}
