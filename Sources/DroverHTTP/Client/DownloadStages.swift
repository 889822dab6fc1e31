import NIOCore
import NIOPosix

/// A download's two stages on NIO's thread pool: writing the batches to the file and hashing
/// them, each in order, side by side (SHA-256 is the slowest stage: with it on a thread of its
/// own, the socket reads, the file writes and the hashing all overlap). At most `depth` batches
/// are in flight; `add` waits for the oldest beyond that, which slows the socket reads down.
struct DownloadStages {
    let box: WriterBox
    let pool: NIOThreadPool
    var depth = 8
    private var inFlight: [(write: Task<Void, any Error>, hash: Task<Void, any Error>)] = []

    init(box: WriterBox, pool: NIOThreadPool) {
        self.box = box
        self.pool = pool
    }

    /// Queues one batch behind the earlier ones.
    mutating func add(_ buffers: [ByteBuffer]) async throws {
        guard !buffers.isEmpty else { return }
        if inFlight.count >= depth {
            let oldest = inFlight.removeFirst()
            try await oldest.write.value
            try await oldest.hash.value
        }
        let (box, pool) = (self.box, self.pool)
        let previous = inFlight.last
        let write = Task {
            _ = try await previous?.write.value
            try await pool.runIfActive { try box.writeUnhashed(buffers) }
        }
        let hash = Task {
            _ = try await previous?.hash.value
            try await pool.runIfActive { box.hash(buffers) }
        }
        inFlight.append((write, hash))
    }

    /// Waits until every batch is written and hashed; the first failure is thrown.
    mutating func drain() async throws {
        let all = inFlight
        inFlight = []
        for stage in all {
            try await stage.write.value
            try await stage.hash.value
        }
    }

    /// After a failure: waits for whatever still runs, so the writer can be aborted safely.
    mutating func settle() async {
        let all = inFlight
        inFlight = []
        for stage in all {
            _ = try? await stage.write.value
            _ = try? await stage.hash.value
        }
    }
}
