@testable import DroverStore
import Foundation
import Testing

@Suite("Metadata writer: bounded queue and back-pressure")
struct MetadataWriterTests {
    /// Values the writer applied, in order, and a gate that holds its first batch.
    final class Probe: @unchecked Sendable {
        let gate = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var held = false
        private var values: [Double] = []

        func apply(_ batch: [MetadataEvent]) -> [MetadataStoreError] {
            let first = lock.withLock { () -> Bool in defer { held = true }; return !held }
            if first { gate.wait() } // the writer's own thread, never the pool
            lock.withLock { values += batch.compactMap { if case .metric(_, let p) = $0 { p.value } else { nil } } }
            return []
        }

        var applied: [Double] { lock.withLock { values } }
    }

    static func point(_ i: Int) -> MetadataEvent {
        .metric(runID: "r", MetricPoint(key: "m", value: Double(i), step: Int64(i), timestamp: 0))
    }

    // The writer is held in its first batch by a gate in its apply function (a deterministic hook),
    // not by an SQLite lock, which a loaded machine could turn into SQLITE_BUSY and a drained queue.
    @Test("offer never blocks: it refuses when the bounded queue is full, and record waits for space, in order")
    func backPressure() async throws {
        let probe = Probe()
        let writer = MetadataWriter(capacity: 4) { probe.apply($0) }
        #expect(writer.offer(Self.point(0)))
        // Once the queue is empty again the writer has taken event 0 and is held in its batch.
        while writer.pending > 0 { await Task.yield() }
        var accepted = 1
        while accepted < 100, writer.offer(Self.point(accepted)) { accepted += 1 } // bounded: a queue that never refuses fails, not hangs
        #expect(accepted == 5) // 1 in the held batch + the queue's capacity of 4
        #expect(writer.pending == 4)
        let late = Task { await writer.record(Self.point(5)) } // suspends: the queue is full
        while writer.pending < 5 { await Task.yield() }      // the 5th waits outside the queue…
        #expect(!writer.offer(Self.point(6)))                   // …and offer still refuses (FIFO)
        probe.gate.signal()
        _ = await late.value
        try await writer.flush()
        #expect(probe.applied == [0, 1, 2, 3, 4, 5])
        writer.close()
    }
}
