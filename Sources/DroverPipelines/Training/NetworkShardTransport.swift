import DroverML
import Foundation
import ZeroMQ

/// The coordinator's end of data-parallel training: a ROUTER socket the shard jobs connect to
/// (docs/protocol.md, "Data-parallel training"). A shard job says HELLO with its shard number;
/// a later HELLO for the same shard (its job re-run on another worker) replaces the earlier
/// peer, and the outstanding request is sent to it at once. A shard that does not answer
/// within `shardTimeout` is reported to `reassign` (the runner re-submits its job elsewhere)
/// and given another period; after `maxReassignments` the round fails.
///
/// With `security`, the socket is a CURVE server and a ZAP handler in the same context admits only
/// allowed worker keys; it is answered whenever the transport polls.
///
/// Confined to the thread that created it (it owns the sockets).
public final class NetworkShardTransport: ShardTransport {
    let socket: ZMQSocket
    private let zap: ZAPHandler?
    public let endpoint: String
    let session: String
    public let shardCount: Int
    var shardTimeout: Duration
    var maxReassignments = 3
    let reassign: (Int) -> Void
    let stopped: () -> Bool
    private var peers: [[UInt8]?]
    private var peerShard: [[UInt8]: Int] = [:]
    /// Per shard: the GROW frames its worker reads (said so in HELLO).
    private var growFrames: [GrowFrames]
    struct GrowFrames: Equatable { var binary = false, binaryTrees = false }
    private var seq: UInt64 = 0
    /// Re-assignments so far, per shard.
    public private(set) var reassignments: [Int]
    /// Time spent in exchanges waiting for shards, and exchanges made (for the round cost).
    public private(set) var exchanges = 0

    public init(context: ZMQContext, host: String, session: String, shards: Int, shardTimeout: Duration,
         reassign: @escaping (Int) -> Void, stopped: @escaping () -> Bool, security: TrainingSecurity? = nil) throws {
        // The handler is bound before the socket, so no handshake finds the context without one
        // (libzmq would then let it through).
        zap = try security.map { try ZAPHandler(context: context, allowList: $0.workers) }
        socket = try ZMQSocket(context, type: .router)
        do {
            try socket.set([.routerMandatory(false), .maxMessageSize(256 << 20), .linger(.milliseconds(200))]
                           + (security?.socketOptions ?? []))
            endpoint = try socket.bind("tcp://\(host):0")
        } catch {
            socket.close()
            zap?.close()
            throw error
        }
        self.session = session
        shardCount = shards
        self.shardTimeout = shardTimeout
        self.reassign = reassign
        self.stopped = stopped
        peers = [[UInt8]?](repeating: nil, count: shards)
        growFrames = [GrowFrames](repeating: GrowFrames(), count: shards)
        reassignments = [Int](repeating: 0, count: shards)
    }

    public func exchange(_ requests: [(shard: Int, request: ShardRequest)]) throws -> [ShardReply] {
        exchanges += 1
        var replies = [ShardReply?](repeating: nil, count: requests.count)
        var outstanding: [Int: (index: Int, seq: UInt64, request: ShardRequest, since: ContinuousClock.Instant)] = [:]
        // Shards mostly get the same request: encode it once (per frame kind) and stamp each copy with its seq.
        var encoded: [(request: ShardRequest, kind: GrowFrames, frame: [UInt8])] = []
        func frame(_ request: ShardRequest, seq: UInt64, shard: Int) throws -> [UInt8] {
            let kind = growFrames[shard]
            if let same = encoded.first(where: { $0.kind == kind && $0.request == request }) {
                var frame = same.frame
                TrainingFrame.setRequestSeq(seq, in: &frame)
                return frame
            }
            let frame = try TrainingFrame.request(seq: seq, request).encoded(binaryGrow: kind.binary, binaryTrees: kind.binaryTrees)
            encoded.append((request, kind, frame))
            return frame
        }
        for (i, r) in requests.enumerated() {
            seq += 1
            outstanding[r.shard] = (i, seq, r.request, .now)
            if let peer = peers[r.shard] { send(try frame(r.request, seq: seq, shard: r.shard), to: peer) }
        }
        let poller = try makePoller()
        while !outstanding.isEmpty {
            if stopped() { throw DistributedTrainingError("training stopped: the run ended or the coordinator is shutting down") }
            if try poller.poll(timeoutMs: 50) > 0 {
                try zap?.handleAll()
                // Decoded where libzmq received it: a histogram reply (about 245 kB for 20
                // features and 3 splits) is not copied into an array first.
                while let (peer, decoded) = try socket.receiveBorrowed(dontWait: true, { frames in
                    frames.count == 2 ? (Array(frames[0]), try? TrainingFrame.decode(frames[1])) : ([], nil)
                }) {
                    switch decoded {
                    case .hello(let s, let shard, _, let binary, let binaryTrees) where s == session && shard >= 0 && shard < shardCount:
                        if let old = peers[shard] { peerShard[old] = nil }
                        peers[shard] = peer
                        peerShard[peer] = shard
                        growFrames[shard] = GrowFrames(binary: binary, binaryTrees: binaryTrees)
                        if let o = outstanding[shard] { send(try frame(o.request, seq: o.seq, shard: shard), to: peer) }
                    case .reply(let n, let reply):
                        guard let shard = peerShard[peer], let o = outstanding[shard], o.seq == n else { continue }
                        replies[o.index] = reply
                        outstanding[shard] = nil
                    default:
                        continue
                    }
                }
            }
            let now = ContinuousClock.now
            for (shard, o) in outstanding where now - o.since > shardTimeout {
                reassignments[shard] += 1
                guard reassignments[shard] <= maxReassignments else {
                    throw DistributedTrainingError("shard \(shard) did not answer within \(shardTimeout) after \(maxReassignments) re-assignments")
                }
                reassign(shard)
                outstanding[shard]?.since = now
            }
        }
        return replies.map { $0! }
    }

    /// Sends the final frame to every peer, and keeps answering late HELLOs with it until stopped.
    public func linger(_ final: TrainingFrame) {
        guard let frame = try? final.encoded() else { return }
        for peer in peers.compactMap({ $0 }) { send(frame, to: peer) }
        guard let poller = try? makePoller() else { return close() }
        while !stopped() {
            guard (try? poller.poll(timeoutMs: 100)) ?? 0 > 0 else { continue }
            _ = try? zap?.handleAll()
            while let frames = try? socket.receive(dontWait: true), frames.count == 2 {
                if case .hello(let s, _, _, _, _)? = try? TrainingFrame.decode(frames[1]), s == session {
                    send(frame, to: frames[0])
                }
            }
        }
        close()
    }

    private func close() {
        socket.close()
        zap?.close()
    }

    /// The training socket, and the ZAP handler's when there is one.
    private func makePoller() throws -> ZMQPoller {
        let poller = ZMQPoller()
        try poller.add(socket)
        if let zap { try poller.add(zap.socket) }
        return poller
    }

    private func send(_ frame: [UInt8], to peer: [UInt8]) {
        _ = try? socket.send([peer, frame], dontWait: true)
    }
}
