/// A set of bin indices (0...255) as four 64-bit words: the bins a split sends left.
struct BinSet: Sendable, Equatable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Bins 0...last.
    init(through last: Int) {
        func word(_ w: Int) -> UInt64 {
            let bits = last + 1 - 64 * w  // bins of word w that are ≤ last
            return bits <= 0 ? 0 : bits >= 64 ? ~0 : (1 << UInt64(bits)) - 1
        }
        words = (word(0), word(1), word(2), word(3))
    }
    init() {}

    mutating func insert(_ b: Int) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    /// A load from the word `b` falls in, not a branch on it.
    @inline(__always) func contains(_ b: UInt8) -> Bool {
        let w = withUnsafeBytes(of: words) { $0.load(fromByteOffset: Int(b >> 6) &* 8, as: UInt64.self) }
        return (w >> UInt64(b & 63)) & 1 == 1
    }

    static func == (a: BinSet, b: BinSet) -> Bool { a.words == b.words }
}

/// The best split of one leaf found from its histogram.
struct SplitCandidate: Sendable {
    var gain: Double
    var feature: Int
    /// Numeric: the last value bin that goes left (valueBinCount − 1 = all values left).
    var bin: Int
    /// Numeric: whether NaN goes left.
    var missingLeft = false
    /// Every bin that goes left (numeric: 0...bin, plus the missing bin when it goes left).
    var leftBins: BinSet
    var isCategorical = false
    var leftG: Double, leftH: Double
    var rightG: Double, rightH: Double
    /// λ of the children's outputs (λ + cat_l2 after a many-vs-many categorical split).
    var lambda: Double
}
