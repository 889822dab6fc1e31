import DroverML
import Foundation

/// Wraps the coordinator's transport in `drover bench distributed` and splits each exchange's
/// wall time into the busiest shard's compute (read from the in-process shard workers, which are
/// idle between exchanges) and the rest: encoding, sending, receiving, decoding and waiting.
/// Holdout scoring is passed through untimed. Keeps a merge-round reply (histograms or gradient) for the per-reply cost probe:
/// for GBDT, one with the mean number of histograms per reply (an exchange asks for several splits).
final class TimedShardTransport: ShardTransport {
    let inner: ShardTransport
    let workers: [ShardWorker]
    private(set) var exchanges = 0
    /// Exchanges of the learner's rounds (grow / gradient / gram), the ones that repeat.
    var rounds: Int { roundCosts.count }
    private(set) var inExchange: Duration = .zero
    /// Σ over exchanges of the busiest shard's compute in that exchange.
    private(set) var busiestCompute: Duration = .zero
    /// When the holdout predictions were asked for (the end of fitting).
    private(set) var holdoutStarted: ContinuousClock.Instant?
    /// The learner's rounds alone, in order (set-up exchanges and one-time work left out).
    private(set) var roundCosts: [RoundCost] = []
    private var lastRoundEnd: ContinuousClock.Instant?
    private var lastReply: ShardReply?
    /// Histograms in the learner rounds' replies, and those replies.
    private var histograms = 0, histogramReplies = 0

    init(_ inner: ShardTransport, workers: [ShardWorker]) {
        (self.inner, self.workers) = (inner, workers)
    }

    var shardCount: Int { inner.shardCount }

    func exchange(_ requests: [(shard: Int, request: ShardRequest)]) throws -> [ShardReply] {
        let start = ContinuousClock.now
        if requests.contains(where: { if case .holdout = $0.request { true } else { false } }) {
            // Scoring the holdout rows is not fitting: neither side times it.
            holdoutStarted = holdoutStarted ?? start
            return try inner.exchange(requests)
        }
        let isRound = requests.contains(where: { Self.isRound($0.request) })
        let gap = lastRoundEnd.map { start - $0 }
        let before = workers.map(\.busy)
        let replies = try inner.exchange(requests)
        let end = ContinuousClock.now
        let busiest = zip(workers, before).map { $0.busy - $1 }.max() ?? .zero
        inExchange += end - start
        busiestCompute += busiest
        exchanges += 1
        lastRoundEnd = isRound ? end : nil
        if isRound {
            roundCosts.append(RoundCost(transport: end - start - busiest, gap: gap))
            lastReply = replies.first
            for case .histograms(let h) in replies {
                histograms += h.count
                histogramReplies += 1
            }
        }
        return replies
    }

    /// The last round's first reply; for histograms, its first one repeated the mean number of times.
    var sampleReply: ShardReply? {
        guard case .histograms(let h)? = lastReply, let first = h.first, histogramReplies > 0 else { return lastReply }
        let mean = (Double(histograms) / Double(histogramReplies)).rounded()
        return .histograms([HistogramPartial](repeating: first, count: max(1, Int(mean))))
    }

    static func isRound(_ r: ShardRequest) -> Bool {
        switch r {
        case .grow, .gradient, .gram: true
        default: false
        }
    }
}

/// One learner round's overhead: its exchange's wall time beyond the busiest shard's compute, and
/// the coordinator's work since the previous exchange when that was a round too (nil after a set-up one).
struct RoundCost {
    var transport: Duration
    var gap: Duration?
    var total: Duration { transport + (gap ?? .zero) }
}

/// What the coordinator pays per shard reply, serially: decoding the frame and merging it.
struct ReplyCost: Encodable {
    var bytes: Int
    var decodeMicroseconds: Double
    var mergeMicroseconds: Double

    /// Times decoding and merging `reply` (repeated to get above clock resolution). Decoding is
    /// timed on its second pass: the first one's replies are freed by then, and the second decodes
    /// into memory the process already has, as exchanges after the first do (the first pass
    /// touches fresh pages: 100–180 µs per 245 kB reply on the development VM, 20 µs after).
    static func probe(_ reply: ShardReply?) throws -> ReplyCost {
        guard let reply else { return ReplyCost(bytes: 0, decodeMicroseconds: 0, mergeMicroseconds: 0) }
        let frame = try TrainingFrame.reply(seq: 1, reply).encoded()
        let repeats = 64
        var decoded: [ShardReply] = []
        var decode = 0.0
        for _ in 0..<2 {
            decoded.removeAll(keepingCapacity: true)
            let start = ContinuousClock.now
            for _ in 0..<repeats {
                if case .reply(_, let r) = try TrainingFrame.decode(frame) { decoded.append(r) }
            }
            decode = (ContinuousClock.now - start).inSeconds / Double(repeats)
        }
        let start = ContinuousClock.now
        switch reply {
        case .histograms(let h): for one in h { _ = [HistogramPartial](repeating: one, count: repeats).merged() }
        case .gradient(let g): _ = [GradientPartial](repeating: g, count: repeats).merged()
        case .gram(let g): _ = [GramPartial](repeating: g, count: repeats).merged()
        default: break
        }
        let merge = (ContinuousClock.now - start).inSeconds / Double(repeats - 1)
        return ReplyCost(bytes: frame.count, decodeMicroseconds: decode * 1e6, mergeMicroseconds: merge * 1e6)
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
