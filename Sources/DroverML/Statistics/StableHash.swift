/// 64-bit hashes that are the same in every process and on every machine (Swift's `Hasher` is
/// randomly seeded per process, so it cannot be used for sketches that travel between workers).
enum StableHash {
    /// SplitMix64 finaliser: a bijective mix with good avalanche.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Hash of a number; -0.0 and 0.0 hash alike.
    @inline(__always)
    static func hash(_ x: Double) -> UInt64 { mix((x == 0 ? 0.0 : x).bitPattern) }

    /// FNV-1a over the UTF-8 bytes, then mixed.
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return mix(h)
    }
}
