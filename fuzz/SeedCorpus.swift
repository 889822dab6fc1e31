import DroverCore
import DroverProtocol
import Foundation

/// Writes the fuzzer's seed corpus: every valid sample message (the protocol tests' `Samples`)
/// and a few journal batches, each prefixed with the selector byte the target expects.
@main
enum SeedCorpus {
    static func main() throws {
        guard CommandLine.arguments.count == 2 else {
            FileHandle.standardError.write(Data("usage: seed-corpus DIR\n".utf8))
            exit(2)
        }
        let dir = URL(fileURLWithPath: CommandLine.arguments[1])
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var seeds: [[UInt8]] = []
        seeds += Samples.workerMessages.map { [0] + $0.encode() }
        seeds += Samples.coordinatorMessages.map { [1] + $0.encode() }
        seeds += Samples.clientRequests.map { [2] + $0.encode() }
        seeds += Samples.clientReplies.map { [3] + $0.encode() }
        seeds += journalBatches.map { [4] + JournalRecord.encodeBatch($0) }
        // Large samples (10,000-job batches) only slow the fuzzer down; keep small ones.
        seeds = seeds.filter { $0.count <= 64 << 10 }
        for (i, seed) in seeds.enumerated() {
            try Data(seed).write(to: dir.appendingPathComponent(String(format: "seed-%03d", i)))
        }
        print("wrote \(seeds.count) seeds to \(dir.path)")
    }

    static var journalBatches: [[JournalRecord]] {
        [
            [],
            [.epoch(1, atMs: 1_700_000_000_000)],
            [.submitted(1, Samples.unicodeSpec, atMs: 5), .submitted(2, Samples.plainSpec, atMs: 6)],
            [.assigned(worker: "w-1", leases: [Samples.lease, Lease(jobID: 2, attempt: 1, token: 3)], atMs: 7)],
            [.finished(42, attempt: 3, state: .succeeded, metrics: ["loss": 0.5], message: "ok", atMs: 8),
             .requeued(43, cause: .workerLost, readyAtMs: 9, message: "lost", atMs: 9)],
            [.held(44, cause: .poison, atMs: 10), .released(44, atMs: 11), .cancelled(45, atMs: 12)],
        ]
    }
}
