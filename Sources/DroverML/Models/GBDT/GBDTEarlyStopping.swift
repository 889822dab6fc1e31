/// Early stopping on a validation fraction (LightGBM `early_stopping_round` with a held-out
/// set): rows whose seeded hash falls below `validationFraction` are set aside before binning,
/// the loss on them is measured after every round, and training stops after `rounds` rounds
/// without a strictly lower loss; the model keeps the rounds up to the best one.
public struct GBDTEarlyStopping: Sendable, Equatable {
    public var rounds: Int
    public var validationFraction: Double

    public init(rounds: Int, validationFraction: Double = 0.1) {
        self.rounds = rounds
        self.validationFraction = validationFraction
    }

    /// Splits row indices 0..<n into (training, validation), deterministically from `seed`.
    func split(rowCount n: Int, seed: UInt64) -> (train: [Int], validation: [Int]) {
        let key = StableHash.mix(seed ^ 0x5A11_DA7E)
        let limit = UInt64(validationFraction * 0x1p64.nextDown)
        var train: [Int] = [], validation: [Int] = []
        for r in 0..<n {
            if StableHash.mix(key ^ UInt64(r)) <= limit { validation.append(r) } else { train.append(r) }
        }
        return (train, validation)
    }
}

/// Tracks the validation loss per round: the best round so far and when to stop.
struct EarlyStoppingTracker {
    var patience: Int
    private(set) var bestLoss = Double.infinity
    /// Rounds (1-based count) at the best loss; 0 before any round.
    private(set) var bestRounds = 0
    private(set) var losses: [Double] = []

    init(patience: Int) { self.patience = patience }

    /// Records the loss after `rounds` rounds; true when training should stop.
    mutating func record(_ loss: Double, rounds: Int) -> Bool {
        losses.append(loss)
        if loss < bestLoss {
            bestLoss = loss
            bestRounds = rounds
        }
        return rounds - bestRounds >= patience
    }
}
