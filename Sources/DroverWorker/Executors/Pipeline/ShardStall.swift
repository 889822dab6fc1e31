import Foundation
import Synchronization

/// Test-only fault injection for data-parallel training, from `DROVER_FAILPOINT`:
/// `train-shard-stall:N` — the first `train-shard` job of this worker process stops answering
/// after N requests (it keeps its slot and heartbeats, like a straggler, and ends when cancelled),
/// so a test can see the coordinator re-assign the shard.
enum ShardStall {
    static let afterRequests: Int? = {
        let value = ProcessInfo.processInfo.environment["DROVER_FAILPOINT"] ?? ""
        for part in value.split(separator: ",") {
            let pair = part.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0] == "train-shard-stall" { return Int(pair[1]) }
        }
        return nil
    }()

    private static let used = Atomic<Bool>(false)

    /// The request count after which this job stalls, for the first shard job only.
    static func claim() -> Int? {
        guard let n = afterRequests, !used.exchange(true, ordering: .relaxed) else { return nil }
        return n
    }
}
