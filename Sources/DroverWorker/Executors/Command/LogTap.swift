import DroverProtocol
import Synchronization

/// One attempt's stdout and stderr on their way to the coordinator (docs/commands.md, "Logs").
///
/// The attempt's supervisor thread `offer`s what it reads, cut into chunks of at most
/// `LogChunk.maxBytes`; the worker's socket thread `take`s a bounded number of bytes per tick and
/// sends them in LOGS. What waits is bounded by `budget`: beyond it a chunk is dropped but keeps
/// its sequence number, so the coordinator shows the gap. A chatty job therefore costs the socket
/// a bounded share of each tick and can never hold back heartbeats or results.
public final class LogTap: Sendable {
    private struct State {
        var pending: [(stream: LogChunk.Stream, seq: UInt64, bytes: [UInt8])] = []
        var pendingBytes = 0
        var nextSeq: [UInt64] = [1, 1, 1]
        var dropped = 0
    }

    public let lease: Lease
    public let budget: Int
    private let state = Mutex(State())

    /// `budget`: four ticks' worth of the worker's per-tick share (`logBytesPerTick`).
    public init(lease: Lease, budget: Int = 512 << 10) {
        self.lease = lease
        self.budget = budget
    }

    /// Queues output (any thread); drops it, counting, when the budget is used up.
    public func offer(_ stream: LogChunk.Stream, _ bytes: UnsafeRawBufferPointer) {
        var start = 0
        state.withLock { s in
            while start < bytes.count {
                let end = min(bytes.count, start + LogChunk.maxBytes)
                let index = Int(stream.rawValue) - 1
                let seq = s.nextSeq[index]
                s.nextSeq[index] += 1
                if s.pendingBytes + (end - start) <= budget {
                    s.pending.append((stream, seq, Array(bytes[start..<end])))
                    s.pendingBytes += end - start
                } else {
                    s.dropped += 1
                }
                start = end
            }
        }
    }

    /// Takes queued chunks, oldest first, up to about `maxBytes` (at least one chunk if any).
    public func take(maxBytes: Int) -> [LogChunk] {
        state.withLock { s in
            var taken = 0, count = 0
            while count < s.pending.count, count == 0 || taken + s.pending[count].bytes.count <= maxBytes {
                taken += s.pending[count].bytes.count
                count += 1
            }
            let out = s.pending[..<count].map { LogChunk(lease: lease, stream: $0.stream, seq: $0.seq, bytes: $0.bytes) }
            s.pending.removeFirst(count)
            s.pendingBytes -= taken
            return out
        }
    }

    /// Bytes queued and not yet taken by the socket thread.
    public var waitingBytes: Int { state.withLock { $0.pendingBytes } }

    /// Chunks dropped so far because the budget was full.
    public var dropped: Int { state.withLock { $0.dropped } }
}
