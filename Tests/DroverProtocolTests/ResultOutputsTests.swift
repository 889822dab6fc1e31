@testable import DroverProtocol
import Testing

@Suite("RESULTS with outputs")
struct ResultOutputsTests {
    static let lease = Lease(jobID: 9, attempt: 1, token: 77)

    @Test("results with outputs round-trip; without outputs the frame is the plain RESULTS of earlier workers")
    func roundTrip() throws {
        let plain = AttemptResult(lease: Self.lease, outcome: .succeeded, metrics: ["rows": 3])
        var withOutputs = plain
        withOutputs.outputs = ["features": "sha256:00:5"]
        let before = WorkerMessage.results(credit: 1, [plain]).encode()
        let after = WorkerMessage.results(credit: 1, [withOutputs, plain]).encode()
        #expect(before[3] == WorkerMessage.Code.results.rawValue)
        #expect(after[3] == WorkerMessage.Code.resultsWithOutputs.rawValue)
        #expect(try WorkerMessage.decode(after) == .results(credit: 1, [withOutputs, plain]))
        #expect(try WorkerMessage.decode(before) == .results(credit: 1, [plain]))
    }
}
