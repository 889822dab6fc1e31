import DroverArtifacts

/// A request id for a request that brings none: random, shaped like a lowercase UUID v4. From the
/// standard library's generator (the `getrandom` system call): Foundation's `UUID()` opened
/// /dev/urandom on every call (strace of `drover serve`), a file call per request on the
/// cooperative pool.
enum RequestID {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in [generator.next() as UInt64, generator.next() as UInt64] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        bytes[6] = bytes[6] & 0x0F | 0x40 // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80 // RFC 4122 variant
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append(UInt8(ascii: "-")) }
            let (high, low) = Hex.pair(b)
            text.append(high)
            text.append(low)
        }
        return String(decoding: text, as: UTF8.self)
    }
}
