@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Journal record codec")
struct JournalRecordCodecTests {
    static let records: [JournalRecord] = [
        .epoch(7, atMs: -5),
        .submitted(1, JobSpec(kind: "训练", params: ["a": "b"], priority: .low, tags: ["gpu"], maxRetries: 3,
                              timeoutMs: 9, idempotencyKey: "k"), atMs: 1),
        .submitted(2, JobSpec(kind: "noop"), atMs: 2),
        .assigned(worker: "w-ü", leases: [Lease(jobID: 1, attempt: 1, token: 1 << 32 | 1), Lease(jobID: 2, attempt: 4, token: .max)], atMs: 3),
        .assigned(worker: "", leases: [], atMs: 3),
        .finished(1, attempt: 1, state: .succeeded, metrics: ["loss": 0.1], message: "", atMs: 4),
        .finished(2, attempt: 4, state: .timedOut, metrics: [:], message: "late ⏰", atMs: 5),
        .requeued(2, cause: .retryAfterFailure, readyAtMs: 99, message: "boom", atMs: 6),
        .held(2, cause: .poison, atMs: 7),
        .released(2, atMs: 8),
        .cancelled(2, atMs: .max),
    ]

    @Test("every record kind round-trips through a batch, in order")
    func batchRoundTrip() throws {
        #expect(try JournalRecord.decodeBatch(JournalRecord.encodeBatch(Self.records)) == Self.records)
        #expect(try JournalRecord.decodeBatch(JournalRecord.encodeBatch([])) == [])
    }

    @Test("a batch truncated anywhere, or with trailing bytes, is rejected")
    func truncatedOrTrailing() {
        let bytes = JournalRecord.encodeBatch(Self.records)
        for n in 0..<bytes.count {
            #expect((try? JournalRecord.decodeBatch(Array(bytes.prefix(n)))) == nil, "prefix \(n) accepted")
        }
        #expect(throws: DecodeError.trailingBytes(1)) { try JournalRecord.decodeBatch(bytes + [0]) }
    }

    @Test("unknown tags, non-terminal finished states and unknown causes are rejected")
    func invalidValues() {
        #expect(throws: DecodeError.invalidValue(field: "record.tag", value: 99)) { try JournalRecord.decodeBatch([1, 0, 0, 0, 99] + [UInt8](repeating: 0, count: 16)) }
        var finished = JournalRecord.encodeBatch([.finished(1, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 0)])
        finished[4 + 1 + 8 + 4] = JobState.running.rawValue
        #expect(throws: DecodeError.invalidValue(field: "state", value: Int(JobState.running.rawValue))) { try JournalRecord.decodeBatch(finished) }
        var held = JournalRecord.encodeBatch([.held(1, cause: .poison, atMs: 0)])
        held[4 + 1 + 8] = 200
        #expect(throws: DecodeError.invalidValue(field: "cause", value: 200)) { try JournalRecord.decodeBatch(held) }
    }

    @Test("an absurd record count is rejected without allocating")
    func absurdCount() {
        #expect(throws: DecodeError.self) { try JournalRecord.decodeBatch([0xFF, 0xFF, 0xFF, 0x7F, 1]) }
        #expect(throws: DecodeError.self) { try JournalRecord.decodeBatch([0xFF, 0xFF, 0xFF, 0xFF]) }
    }
}

@Suite("Scheduling building blocks")
struct SchedulingTests {
    @Test("Fifo pops in push order across compactions")
    func fifoOrder() {
        var f = Fifo()
        for i in 0..<10_000 { f.push(UInt64(i)) }
        for i in 0..<6_000 { #expect(f.pop() == UInt64(i)) }
        for i in 10_000..<12_000 { f.push(UInt64(i)) }
        var next: UInt64 = 6_000
        while let v = f.pop() {
            #expect(v == next)
            next += 1
        }
        #expect(next == 12_000)
        #expect(f.isEmpty && f.count == 0 && f.first == nil)
    }

    @Test("TimerHeap pops only what is due, earliest first")
    func timerHeap() {
        var h = TimerHeap()
        var rng = SplitMix64(seed: 3)
        let dues = (0..<500).map { _ in Int64.random(in: 0..<1_000, using: &rng) }
        for (i, d) in dues.enumerated() { h.push(due: d, id: UInt64(i)) }
        let early = h.popDue(now: 499)
        #expect(early.map(\.due) == dues.filter { $0 <= 499 }.sorted())
        #expect(h.nextDue.map { $0 > 499 } ?? true)
        let rest = h.popDue(now: .max)
        #expect(rest.count + early.count == dues.count)
        #expect(h.isEmpty)
    }

    @Test("ReadyQueue offers high before normal before low, oldest first, within the worker's tags")
    func readyQueue() {
        var q = ReadyQueue()
        q.push(1, priority: .low, tags: "")
        q.push(2, priority: .normal, tags: ReadyQueue.key(for: ["gpu"]))
        q.push(3, priority: .normal, tags: "")
        q.push(4, priority: .high, tags: ReadyQueue.key(for: ["ssd", "gpu"]))
        #expect(ReadyQueue.key(for: ["ssd", "gpu"]) == "gpu,ssd")
        #expect(q.pop(offering: []) == 3)
        #expect(q.pop(offering: []) == 1)
        #expect(q.pop(offering: []) == nil)
        #expect(q.hasWork(offering: ["gpu"]))
        #expect(q.pop(offering: ["gpu"]) == 2)
        #expect(q.pop(offering: ["gpu"]) == nil)
        #expect(q.pop(offering: ["gpu", "ssd", "x"]) == 4)
    }

    @Test("Backoff doubles from its base, is capped, and scales with the jitter draw")
    func backoff() {
        let b = Backoff(baseMs: 100, capMs: 1_000)
        #expect(b.delayMs(failures: 1, unit: 1) == 100)
        #expect(b.delayMs(failures: 2, unit: 1) == 200)
        #expect(b.delayMs(failures: 4, unit: 1) == 800)
        #expect(b.delayMs(failures: 5, unit: 1) == 1_000)
        #expect(b.delayMs(failures: 1_000, unit: 1) == 1_000)
        #expect(b.delayMs(failures: 3, unit: 0.5) == 200)
        #expect(b.delayMs(failures: 3, unit: 0) == 0)
        #expect(b.delayMs(failures: 0, unit: 7) == 100)
    }

    @Test("SplitMix64 replays the same sequence from the same seed")
    func splitMix() {
        var a = SplitMix64(seed: 99)
        var b = SplitMix64(seed: 99)
        var c = SplitMix64(seed: 100)
        let xs = (0..<8).map { _ in a.next() }
        #expect(xs == (0..<8).map { _ in b.next() })
        #expect(xs != (0..<8).map { _ in c.next() })
    }
}
