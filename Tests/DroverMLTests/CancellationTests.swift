import DroverML
import Testing

@Suite("Cancellation: trainers and the CSV reader stop at their next check")
struct CancellationTests {
    static let rows = 3_000
    static let x: FeatureMatrix = {
        var values: [Double] = []
        for r in 0..<rows { values += [Double(r % 17), Double((r * 7) % 13)] }
        return FeatureMatrix(rowCount: rows, featureCount: 2, values: values)
    }()
    static let labels = (0..<rows).map { Double(($0 % 17 + ($0 * 7) % 13) > 14 ? 1 : 0) }

    @Test("GBDT stops before the next boosting round once the token is tripped")
    func gbdtStopsBetweenRounds() throws {
        let token = CancellationToken()
        let rounds = RoundCounter()
        var trainer = GBDTTrainer()
        trainer.trees = 1_000
        trainer.progress = { done, _ in
            rounds.record(done)
            if done == 3 { token.cancel() }
        }
        #expect(throws: Cancelled.self) {
            try trainer.fit(Self.x, targets: Self.labels, objective: .binaryLogLoss, cancellation: token)
        }
        #expect(rounds.last == 3)
    }

    @Test("L-BFGS stops before the next iteration once the token is tripped")
    func lbfgsStopsBetweenIterations() {
        let token = CancellationToken()
        var evaluations = 0
        #expect(throws: Cancelled.self) {
            try LBFGS(maxIterations: 1_000, gradientTolerance: 0).minimize([10, -10], cancellation: token) { p in
                evaluations += 1
                if evaluations == 5 { token.cancel() }
                return (p[0] * p[0] + 3 * p[1] * p[1], [2 * p[0], 6 * p[1]])
            }
        }
        #expect(evaluations < 40) // a few line-search evaluations of one iteration, not 1,000 iterations
    }

    @Test("reading a CSV with a tripped token stops with DataError.cancelled")
    func csvStops() {
        let token = CancellationToken()
        token.cancel()
        var options = CSVOptions()
        options.cancellation = token
        #expect {
            _ = try CSVReader.read(data: Array("a,b\n1,2\n".utf8), source: "t.csv", options: options)
        } throws: { ($0 as? DataError)?.code == .cancelled }
    }
}

/// The last boosting round reported (progress runs on the training thread).
final class RoundCounter: @unchecked Sendable {
    // @unchecked Sendable: written by the trainer's calling thread only, read after fit returns.
    private(set) var last = 0
    func record(_ n: Int) { last = n }
}
