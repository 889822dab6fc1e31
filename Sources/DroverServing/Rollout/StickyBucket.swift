/// Sticky assignment without stored state, as Optimizely buckets users: MurmurHash3 (x86, 32-bit,
/// seed 1) of `"{key}{experiment}"`, scaled to a bucket in 0..<10 000. A key lands in the same
/// arm on every replica and every request; widening the split keeps earlier keys where they were.
public enum StickyBucket {
    public static let buckets: UInt32 = 10_000

    public static func bucket(key: String, experiment: String) -> Int {
        let hash = murmur3(Array((key + experiment).utf8), seed: 1)
        return Int((UInt64(hash) * UInt64(buckets)) >> 32)
    }

    /// True when the key's bucket falls in the challenger's first `percent` of the range.
    public static func isChallenger(key: String, experiment: String, percent: Double) -> Bool {
        Double(bucket(key: key, experiment: experiment)) < percent * Double(buckets) / 100
    }

    /// MurmurHash3_x86_32.
    public static func murmur3(_ data: [UInt8], seed: UInt32) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51, c2: UInt32 = 0x1b87_3593
        var h = seed
        let blocks = data.count / 4
        for i in 0..<blocks {
            var k = UInt32(data[i * 4]) | UInt32(data[i * 4 + 1]) << 8 | UInt32(data[i * 4 + 2]) << 16 | UInt32(data[i * 4 + 3]) << 24
            k = k &* c1
            k = (k << 15) | (k >> 17)
            k = k &* c2
            h ^= k
            h = (h << 13) | (h >> 19)
            h = h &* 5 &+ 0xe654_6b64
        }
        var k: UInt32 = 0
        let tail = blocks * 4
        switch data.count & 3 {
        case 3:
            k ^= UInt32(data[tail + 2]) << 16
            fallthrough
        case 2:
            k ^= UInt32(data[tail + 1]) << 8
            fallthrough
        case 1:
            k ^= UInt32(data[tail])
            k = k &* c1
            k = (k << 15) | (k >> 17)
            k = k &* c2
            h ^= k
        default:
            break
        }
        h ^= UInt32(truncatingIfNeeded: data.count)
        h ^= h >> 16
        h = h &* 0x85eb_ca6b
        h ^= h >> 13
        h = h &* 0xc2b2_ae35
        h ^= h >> 16
        return h
    }
}
