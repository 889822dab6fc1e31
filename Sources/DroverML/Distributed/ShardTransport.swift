/// How the coordinator's side of data-parallel training reaches the shards: one exchange sends
/// each listed shard its request and returns the replies in the same order. Losing a worker,
/// waiting for a straggler and re-assigning its shard are the transport's business; a transport
/// that gives up throws. An exchange names each shard at most once.
public protocol ShardTransport: AnyObject {
    var shardCount: Int { get }
    func exchange(_ requests: [(shard: Int, request: ShardRequest)]) throws -> [ShardReply]
}

extension ShardTransport {
    /// The same request to every shard.
    func broadcast(_ request: ShardRequest) throws -> [ShardReply] {
        try exchange((0..<shardCount).map { ($0, request) })
    }
}

/// Shards held in this process (tests, and the in-process measure of the protocol's cost).
/// Shards are served in parallel on up to `threads` threads.
public final class LocalShardTransport: ShardTransport {
    public var workers: [ShardWorker]
    public let threads: Int
    /// Requests served, per shard (tests count rounds with it).
    public private(set) var served: [Int]

    public init(workers: [ShardWorker], threads: Int = 1) {
        self.workers = workers
        self.threads = threads
        served = [Int](repeating: 0, count: workers.count)
    }

    public var shardCount: Int { workers.count }

    public func exchange(_ requests: [(shard: Int, request: ShardRequest)]) throws -> [ShardReply] {
        for (s, _) in requests { served[s] += 1 }
        let workers = self.workers
        let list = requests.map { (workers[$0.shard], $0.request) }
        return ParallelShards.map(list.count, threads: threads) { i in list[i].0.handle(list[i].1) }
    }
}

/// Sets up again a worker that took over a shard: remembers each shard's set-up requests and,
/// when a worker answers `needSetUp`, replays them to it before repeating the request. So a lost
/// worker costs the re-reading and re-preparing of its own shard only.
final class SetUpReplay: ShardTransport {
    let inner: ShardTransport
    private var setUp: [[ShardRequest]]

    init(_ inner: ShardTransport) {
        self.inner = inner
        setUp = [[ShardRequest]](repeating: [], count: inner.shardCount)
    }

    var shardCount: Int { inner.shardCount }

    func exchange(_ requests: [(shard: Int, request: ShardRequest)]) throws -> [ShardReply] {
        var replies = try inner.exchange(requests)
        for (i, (s, request)) in requests.enumerated() {
            var attempts = 0
            while case .needSetUp = replies[i], attempts < 3 {
                attempts += 1
                for (j, step) in setUp[s].enumerated() {
                    let reply = try inner.exchange([(s, step)])[0]
                    if case .failed = reply { throw unexpected(reply, "set-up step \(j)") }
                }
                replies[i] = try inner.exchange([(s, request)])[0]
            }
            if request.isSetUp { setUp[s].append(request) }
        }
        return replies
    }
}

/// Why data-parallel training stopped.
public struct DistributedTrainingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
