import Foundation
import Testing

/// `.offPool` gives each blocking test a thread of its own: more tests than the cooperative pool
/// has threads can all block at once (on the pool alone, the last would never arrive).
@Suite(.offPool) struct OffPoolTests {
    static let parties = ProcessInfo.processInfo.activeProcessorCount + 2
    static let barrier = Barrier(parties: parties)

    @Test("more tests than cores block at the same time, and all of them get past a barrier", arguments: 0..<parties)
    func blockingCasesRunTogether(_ index: Int) {
        #expect(Self.barrier.arriveAndWait(timeout: 60), "case \(index): the others never arrived")
    }
}

/// Blocks its callers until `parties` of them have arrived, or the timeout passes.
final class Barrier: @unchecked Sendable {
    // @unchecked Sendable: `arrived` is guarded by `condition`.
    private let condition = NSCondition()
    private let parties: Int
    private var arrived = 0

    init(parties: Int) { self.parties = parties }

    func arriveAndWait(timeout: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while arrived < parties {
            guard condition.wait(until: deadline) else { return false }
        }
        return true
    }
}
