@testable import DroverClient
import DroverProtocol
import Testing

@Suite struct SubmitPipelineTests {
    let t0 = ContinuousClock.now

    func pipeline(total: Int, batch: Int = 10, window: Int = 2, watch: Bool = false) -> SubmitPipeline {
        SubmitPipeline(total: total, batchSize: batch, window: window, watch: watch, firstRequestID: 100, now: t0)
    }

    func next(_ p: inout SubmitPipeline, now: ContinuousClock.Instant) throws -> SubmitPipeline.Batch {
        let batch = p.nextBatch(now: now)
        return try #require(batch)
    }

    @Test func sendsAtMostWindowBatchesUntilAnswered() {
        var p = pipeline(total: 45)
        let first = p.nextBatch(now: t0), second = p.nextBatch(now: t0)
        #expect(first == SubmitPipeline.Batch(requestID: 100, range: 0..<10))
        #expect(second == SubmitPipeline.Batch(requestID: 101, range: 10..<20))
        #expect(p.nextBatch(now: t0) == nil)
    }

    @Test func idsLandAtTheirSubmissionIndexWhateverTheReplyOrder() throws {
        var p = pipeline(total: 15)
        let a = try next(&p, now: t0), b = try next(&p, now: t0)
        try p.handle(.submitted(requestID: b.requestID, jobIDs: [51, 52, 53, 54, 55]), now: t0)
        #expect(!p.isAccepted)
        try p.handle(.submitted(requestID: a.requestID, jobIDs: Array(41...50)), now: t0)
        #expect(p.isAccepted && p.isFinished)
        #expect(p.ids == Array(41...55))
    }

    @Test func aBusyBatchIsResentAfterTheAdvisedDelayAndHoldsBackFreshOnes() throws {
        var p = pipeline(total: 30, window: 1)
        let a = try next(&p, now: t0)
        try p.handle(.busy(requestID: a.requestID, retryAfterMs: 50, queued: 1_000, limit: 1_000), now: t0)
        #expect(p.nextBatch(now: t0 + .milliseconds(49)) == nil)
        let again = try next(&p, now: t0 + .milliseconds(50))
        #expect(again.range == a.range && again.requestID != a.requestID)
        #expect(p.busyReplies == 1)
    }

    @Test func aBatchLargerThanTheQueueBoundIsSplitIntoPiecesThatFit() throws {
        var p = pipeline(total: 100, batch: 100, window: 4)
        let a = try next(&p, now: t0)
        try p.handle(.busy(requestID: a.requestID, retryAfterMs: 10, queued: 0, limit: 40), now: t0)
        #expect(p.batchSize == 10)
        let later = t0 + .milliseconds(10)
        let pieces = try (0..<4).map { _ in try next(&p, now: later).range }
        #expect(pieces == [0..<10, 10..<20, 20..<30, 30..<40])
    }

    @Test func aQueueFullPastThePatienceIsAnError() throws {
        var p = pipeline(total: 10)
        let a = try next(&p, now: t0)
        try p.handle(.busy(requestID: a.requestID, retryAfterMs: 100, queued: 7, limit: 7), now: t0)
        #expect(throws: Never.self) { try p.check(now: t0 + .seconds(59)) }
        #expect(throws: SubmitPipelineError.queueFull(queued: 7, limit: 7)) { try p.check(now: t0 + .seconds(61)) }
    }

    @Test func anErrorForABatchInFlightStopsTheSubmission() throws {
        var p = pipeline(total: 10)
        let a = try next(&p, now: t0)
        #expect(throws: Never.self) { try p.handle(.error(requestID: 7, .badRequest, "not ours"), now: t0) }
        #expect(throws: SubmitPipelineError.rejected(.badRequest, "kind is empty")) {
            try p.handle(.error(requestID: a.requestID, .badRequest, "kind is empty"), now: t0)
        }
    }

    @Test func watchedJobsFinishOnceEachEvenWithEarlyOrRepeatedDone() throws {
        var p = pipeline(total: 3, batch: 3, watch: true)
        let a = try next(&p, now: t0)
        // DONE for an idempotent duplicate may arrive before SUBMITTED names it.
        try p.handle(.done([.init(jobID: 7, state: .failed)]), now: t0)
        try p.handle(.submitted(requestID: a.requestID, jobIDs: [7, 8, 8]), now: t0)
        #expect(p.isAccepted && !p.isFinished)
        #expect(p.distinctJobs == 2 && p.unfinishedIDs == [8])
        try p.handle(.done([.init(jobID: 8, state: .succeeded), .init(jobID: 8, state: .succeeded),
                            .init(jobID: 7, state: .failed)]), now: t0)
        #expect(p.isFinished)
        #expect(p.ended == [.failed: 1, .succeeded: 1] && p.endedCount == 2)
    }

    @Test func aSubmittedReplyWithTheWrongNumberOfIdsIsRefused() throws {
        var p = pipeline(total: 2, batch: 2)
        let a = try next(&p, now: t0)
        #expect(throws: SubmitPipelineError.self) { try p.handle(.submitted(requestID: a.requestID, jobIDs: [1]), now: t0) }
    }
}

@Suite struct JobIDSetTests {
    @Test func denseAndSparseIdsBehaveLikeASet() {
        var set = JobIDSet()
        var reference: Set<JobID> = []
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let id: JobID = Bool.random(using: &rng) ? 1_000 + JobID.random(in: 0..<5_000, using: &rng)
                                                     : JobID.random(in: 0..<(1 << 40), using: &rng)
            if Bool.random(using: &rng) {
                #expect(set.insert(id) == reference.insert(id).inserted)
            } else {
                #expect(set.remove(id) == (reference.remove(id) != nil))
            }
        }
        #expect(set.count == reference.count)
        #expect(Set(set.elements) == reference)
        #expect(reference.allSatisfy(set.contains))
    }

    @Test func idsBelowTheFirstGoToTheFallback() {
        var set = JobIDSet()
        set.insert(100)
        set.insert(5)
        #expect(set.contains(5) && set.contains(100) && !set.contains(6))
        #expect(set.elements.sorted() == [5, 100])
    }
}
