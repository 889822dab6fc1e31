/// Dictionary-encodes byte strings without creating a `String` per field: open addressing
/// (linear probing, load ≤ 1/2) over FNV-1a hashes, comparing bytes on a hash match. A `String`
/// is made once per *distinct* value, so a 1M-row categorical column makes a handful.
struct ByteInterner {
    private(set) var values: [String] = []
    private var keys: [[UInt8]] = []
    private var hashes: [UInt64] = []
    /// Code + 1 per slot (0 = empty); capacity is a power of two.
    private var slots = [Int32](repeating: 0, count: 64)

    /// The code of the bytes, adding them as a new value when unseen.
    mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01B3 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while slots[slot] != 0 {
            let code = Int(slots[slot] - 1)
            if hashes[code] == h && keys[code].count == n
                && keys[code].withUnsafeBufferPointer({ k in (0..<n).allSatisfy { k[$0] == p[$0] } }) {
                return Int32(code)
            }
            slot = (slot + 1) & mask
        }
        let code = Int32(values.count)
        let bytes = Array(UnsafeBufferPointer(start: p, count: n))
        keys.append(bytes)
        hashes.append(h)
        values.append(String(decoding: bytes, as: UTF8.self))
        slots[slot] = code + 1
        if values.count * 2 > slots.count { grow() }
        return code
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (code, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(code + 1)
        }
    }
}
