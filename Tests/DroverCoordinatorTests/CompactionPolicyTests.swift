@testable import DroverCoordinator
import Testing

@Suite("When the coordinator compacts its journal")
struct CompactionPolicyTests {
    @Test("a journal of queued jobs is never compacted, however long: folding it saves no replay and copies every job")
    func queuedOnly() {
        #expect(!CoordinatorHandler.worthCompacting(records: 1_000_000, ended: 0, atLeast: 500_000))
        #expect(!CoordinatorHandler.worthCompacting(records: 3_000_000, ended: 200_000, atLeast: 500_000))
    }

    @Test("jobs that ran to the end make it worth it once the threshold is reached")
    func endedJobs() {
        // Submitted, assigned, finished: one record in three ends a job.
        #expect(CoordinatorHandler.worthCompacting(records: 600_000, ended: 200_000, atLeast: 500_000))
        #expect(!CoordinatorHandler.worthCompacting(records: 400_000, ended: 133_000, atLeast: 500_000))
        #expect(CoordinatorHandler.worthCompacting(records: 10_000, ended: 1_000, atLeast: 10_000))
    }
}
