/// Distinct-value count: exact up to `exactLimit` values, HyperLogLog above.
///
/// Exact mode keeps the 64-bit stable hashes (a collision needs ~2^32 values, far above the
/// limit). HyperLogLog uses 2^12 = 4096 one-byte registers: relative standard error
/// 1.04/√4096 ≈ 1.6 %, so within ±5 % about 99.7 % of the time; linear counting below 2.5·m.
/// Merging is exact in exact mode and register-wise max in HLL mode (associative and commutative).
public struct DistinctCounter: Codable, Sendable, Equatable {
    /// Values counted exactly before switching to HyperLogLog (1,000: schema domains are ≤ 100).
    public static let exactLimit = 1000
    static let precision = 12
    static let registerCount = 1 << precision

    private(set) var hashes: Set<UInt64>? = []
    private(set) var registers: [UInt8]? = nil

    public init() {}

    enum CodingKeys: String, CodingKey { case hashes, registers }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hashes = try c.decodePacked(UInt64.self, forKey: .hashes).map(Set.init)
        registers = try c.decodePacked(UInt8.self, forKey: .registers)
    }

    /// Hashes are written sorted, so equal statistics encode to identical bytes (artifacts are
    /// content-addressed by SHA-256; a `Set`'s order changes from process to process). Both
    /// arrays are packed (`PackedNumbers`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(hashes.map { PackedNumbers.string($0.sorted()) }, forKey: .hashes)
        try c.encodeIfPresent(registers.map { PackedNumbers.string($0) }, forKey: .registers)
    }

    /// True once the count is an estimate.
    public var isApproximate: Bool { registers != nil }

    public mutating func insert(hash: UInt64) {
        if hashes != nil {
            hashes?.insert(hash)
            if let count = hashes?.count, count > Self.exactLimit { switchToSketch() }
        } else {
            Self.add(hash, to: &registers)
        }
    }

    public var count: Int {
        if let hashes { return hashes.count }
        guard let registers else { return 0 }
        let m = Double(Self.registerCount)
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m && zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }
        return Int(raw.rounded())
    }

    public func merged(with other: DistinctCounter) -> DistinctCounter {
        var result = self
        if let a = hashes, let b = other.hashes {
            result.hashes = a.union(b)
            if a.count + b.count > Self.exactLimit, let n = result.hashes?.count, n > Self.exactLimit {
                result.switchToSketch()
            }
            return result
        }
        result.switchToSketch()
        var theirs = other
        theirs.switchToSketch()
        if var mine = result.registers, let b = theirs.registers {
            for i in mine.indices where b[i] > mine[i] { mine[i] = b[i] }
            result.registers = mine
        }
        return result
    }

    private mutating func switchToSketch() {
        guard let old = hashes else { return }
        var sketch: [UInt8]? = [UInt8](repeating: 0, count: Self.registerCount)
        for h in old { Self.add(h, to: &sketch) }
        hashes = nil
        registers = sketch
    }

    @inline(__always)
    private static func add(_ hash: UInt64, to registers: inout [UInt8]?) {
        let index = Int(hash >> UInt64(64 - precision))
        let rest = hash << UInt64(precision)
        let rank = UInt8(min(rest.leadingZeroBitCount + 1, 64 - precision + 1))
        if let current = registers?[index], rank > current { registers?[index] = rank }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
