#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses decimal numbers straight from bytes, without creating a `String`, and rounds
/// correctly (the result equals `Double(String)`; checked by a property test).
///
/// Up to 19 significant digits are accumulated exactly in a `UInt64`. Then:
/// - mantissa < 2^53 and |exponent| ≤ 22: one exact IEEE multiply/divide (Clinger's fast path);
/// - exponent in -19...-1: exact 128-by-64-bit division (by reciprocal) with a sticky bit, then one rounding;
/// - exponent in 1...19: exact 128-bit product with a sticky bit, then one rounding;
/// - anything else (more than 19 digits, huge exponents): C `strtod`, which is correctly rounded.
public enum FastDouble {
    /// Accepts `[+-]digits[.digits][(e|E)[+-]digits]`, `.5`, `5.`, and `inf`/`infinity`
    /// (any case, with sign). Returns nil for anything else, including the empty string.
    @inlinable
    public static func parse(_ p: UnsafePointer<UInt8>, count n: Int) -> Double? {
        let (value, used) = parsePrefix(p, count: n)
        if used == n, let value { return value }
        if used == 0 && n > 0 { return special(p, n) }
        return nil
    }

    /// Parses the longest decimal number at the start of `p[0..<n]` (no `inf`), returning it and
    /// the bytes it spans; (nil, 0) when there is none. The CSV reader calls this on a whole
    /// record and checks that a delimiter follows, so each byte is looked at once.
    @inlinable @inline(__always)
    public static func parsePrefix(_ p: UnsafePointer<UInt8>, count n: Int) -> (Double?, Int) {
        if n <= 0 { return (nil, 0) }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawDigit = false
        var tooLong = false // more than 19 significant digits: strtod decides
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                tooLong = true
            }
            i += 1
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            // Eight digits at a time while they fit (SWAR, as in fast_float): most CSV
            // numbers carry 15–17 fraction digits.
            while n - i >= 8 && significant <= 11 {
                let chunk = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                guard isEightDigits(chunk) else { break }
                mantissa = mantissa &* 100_000_000 &+ eightDigits(chunk)
                if mantissa != 0 { significant += 8 }
                exponent -= 8
                sawDigit = true
                i += 8
            }
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else if d != 0 {
                    tooLong = true
                }
                i += 1
            }
        }
        if !sawDigit { return (nil, 0) }
        if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
            var k = i + 1
            var expNegative = false
            if k < n && (p[k] == UInt8(ascii: "-") || p[k] == UInt8(ascii: "+")) {
                expNegative = p[k] == UInt8(ascii: "-"); k += 1
            }
            var e = 0
            var expDigits = 0
            while k < n {
                let d = p[k] &- 48
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                expDigits += 1
                k += 1
            }
            if expDigits == 0 { return (nil, 0) }
            exponent += expNegative ? -e : e
            i = k
        }
        if tooLong { return (slow(p, i), i) }
        guard let magnitude = compose(mantissa, exponent) ?? slow(p, i).map(abs) else { return (nil, 0) }
        return (negative ? -magnitude : magnitude, i)
    }

    /// True when all 8 little-endian bytes are ASCII digits.
    @inlinable @inline(__always)
    static func isEightDigits(_ v: UInt64) -> Bool {
        ((v &+ 0x4646_4646_4646_4646) | (v &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0
    }

    /// The value of 8 ASCII digits (first digit in the lowest byte) with three multiplications.
    @inlinable @inline(__always)
    static func eightDigits(_ v: UInt64) -> UInt64 {
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        let mul1: UInt64 = 100 &+ (1_000_000 << 32)
        let mul2: UInt64 = 1 &+ (10_000 << 32)
        var value = v &- 0x3030_3030_3030_3030
        value = (value &* 10) &+ (value >> 8)
        value = (((value & mask) &* mul1) &+ (((value >> 16) & mask) &* mul2)) >> 32
        return value & 0xFFFF_FFFF
    }

    /// mantissa × 10^exponent, correctly rounded, or nil when outside the fast ranges.
    @inlinable
    static func compose(_ m: UInt64, _ e: Int) -> Double? {
        if m == 0 { return 0 }
        if m < (1 << 53) && e >= -22 && e <= 22 {
            return e < 0 ? double(m) / exactPowerOf10(-e) : double(m) * exactPowerOf10(e)
        }
        if e == 0 { return double(m) }
        if e < 0 && e >= -19 {
            // m·10^e = M·2^(−lz) / D with M = m normalised to bit 63 and D = 10^k. The quotient
            // of M·2^s by D (s = bitLength(D) − 1) has 63–64 bits; OR-ing a sticky bit for a
            // non-zero remainder into bit 0 then lets one rounding be exact. The division is
            // M·2^63 / (D normalised) by a precomputed reciprocal (Möller–Granlund 2011,
            // Algorithm 4) — no hardware divide.
            let k = -e
            let lz = m.leadingZeroBitCount
            let normalised = m << UInt64(lz)
            let (d, reciprocal) = normalisedPowerOf10(k)
            let s = 63 - integerPowerOf10(k).leadingZeroBitCount
            let u1 = normalised >> 1, u0 = normalised << 63
            var (q1, q0) = reciprocal.multipliedFullWidth(by: u1)
            let (sum, carry) = q0.addingReportingOverflow(u0)
            q0 = sum
            q1 = q1 &+ u1 &+ (carry ? 1 : 0) &+ 1
            var r = u0 &- q1 &* d
            if r > q0 { q1 = q1 &- 1; r = r &+ d }
            if r >= d { q1 = q1 &+ 1; r = r &- d }
            return double(q1 | (r == 0 ? 0 : 1)) * powerOfTwo(-lz - s)
        }
        if e > 0 && e <= 19 {
            let (high, low) = m.multipliedFullWidth(by: integerPowerOf10(e))
            if high == 0 { return double(low) }
            let lz = high.leadingZeroBitCount
            let top = lz == 0 ? high : (high << UInt64(lz)) | (low >> UInt64(64 - lz))
            let sticky: UInt64 = (low << UInt64(lz)) == 0 ? 0 : 1
            return double(top | sticky) * powerOfTwo(64 - lz)
        }
        return nil
    }

    /// UInt64 → Double, correctly rounded, through the concrete `Double(Int)` initialiser: the
    /// generic `Double(some BinaryInteger)` path was not specialised here and took about half
    /// of CSV parsing time in a profile. Above 2^63 the value is halved with the dropped bit
    /// kept as a sticky bit, which leaves round-to-nearest-even unchanged, then doubled exactly.
    @inlinable @inline(__always)
    static func double(_ m: UInt64) -> Double {
        m < (1 << 63) ? Double(Int(bitPattern: UInt(m))) : Double(Int(bitPattern: UInt((m >> 1) | (m & 1)))) * 2
    }

    /// 2^e for a normal-range exponent, built from its bit pattern.
    @inlinable
    static func powerOfTwo(_ e: Int) -> Double { Double(bitPattern: UInt64(1023 + e) << 52) }

    /// 10^k for 0 ≤ k ≤ 22, all exactly representable. A literal switch, not a `static let`
    /// array, so the hot path has no lazy-initialisation check (`swift_once` was 3 % of a read).
    @inlinable @inline(__always)
    static func exactPowerOf10(_ k: Int) -> Double {
        switch k {
        case 0: 1e0; case 1: 1e1; case 2: 1e2; case 3: 1e3; case 4: 1e4; case 5: 1e5; case 6: 1e6
        case 7: 1e7; case 8: 1e8; case 9: 1e9; case 10: 1e10; case 11: 1e11; case 12: 1e12
        case 13: 1e13; case 14: 1e14; case 15: 1e15; case 16: 1e16; case 17: 1e17; case 18: 1e18
        case 19: 1e19; case 20: 1e20; case 21: 1e21; default: 1e22
        }
    }

    /// 10^k for 0 ≤ k ≤ 19 (the largest power of ten in a `UInt64`), as a literal switch.
    @inlinable @inline(__always)
    static func integerPowerOf10(_ k: Int) -> UInt64 {
        switch k {
        case 0: 1; case 1: 10; case 2: 100; case 3: 1_000; case 4: 10_000; case 5: 100_000
        case 6: 1_000_000; case 7: 10_000_000; case 8: 100_000_000; case 9: 1_000_000_000
        case 10: 10_000_000_000; case 11: 100_000_000_000; case 12: 1_000_000_000_000
        case 13: 10_000_000_000_000; case 14: 100_000_000_000_000; case 15: 1_000_000_000_000_000
        case 16: 10_000_000_000_000_000; case 17: 100_000_000_000_000_000
        case 18: 1_000_000_000_000_000_000; default: 10_000_000_000_000_000_000
        }
    }

    /// 10^k shifted so its top bit is set, and floor((2^128 − 1) / that) − 2^64: the divisor and
    /// reciprocal of Möller–Granlund's 2/1 division, for 1 ≤ k ≤ 19 (generated with Python).
    @inlinable @inline(__always)
    static func normalisedPowerOf10(_ k: Int) -> (UInt64, UInt64) {
        switch k {
        case 1: (0xa000000000000000, 0x9999999999999999)
        case 2: (0xc800000000000000, 0x47ae147ae147ae14)
        case 3: (0xfa00000000000000, 0x0624dd2f1a9fbe76)
        case 4: (0x9c40000000000000, 0xa36e2eb1c432ca57)
        case 5: (0xc350000000000000, 0x4f8b588e368f0846)
        case 6: (0xf424000000000000, 0x0c6f7a0b5ed8d36b)
        case 7: (0x9896800000000000, 0xad7f29abcaf48578)
        case 8: (0xbebc200000000000, 0x5798ee2308c39df9)
        case 9: (0xee6b280000000000, 0x12e0be826d694b2e)
        case 10: (0x9502f90000000000, 0xb7cdfd9d7bdbab7d)
        case 11: (0xba43b74000000000, 0x5fd7fe17964955fd)
        case 12: (0xe8d4a51000000000, 0x19799812dea11197)
        case 13: (0x9184e72a00000000, 0xc25c268497681c26)
        case 14: (0xb5e620f480000000, 0x6849b86a12b9b01e)
        case 15: (0xe35fa931a0000000, 0x203af9ee756159b2)
        case 16: (0x8e1bc9bf04000000, 0xcd2b297d889bc2b6)
        case 17: (0xb1a2bc2ec5000000, 0x70ef54646d496892)
        case 18: (0xde0b6b3a76400000, 0x2725dd1d243aba0e)
        default: (0x8ac7230489e80000, 0xd83c94fb6d2ac34a)
        }
    }

    /// `inf`, `infinity` (any case, optional sign).
    @usableFromInline
    static func special(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var word: [UInt8] = []
        while i < n { word.append(p[i] | 0x20); i += 1 }
        if word == Array("inf".utf8) || word == Array("infinity".utf8) {
            return negative ? -.infinity : .infinity
        }
        return nil
    }

    /// C `strtod` on a NUL-terminated copy; nil unless it consumes every byte.
    @usableFromInline
    static func slow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if n > 400 { return nil }
        // Reject what strtod would accept but a CSV number must not be (hex, nan, spaces).
        for i in 0..<n {
            let c = p[i]
            let ok = (c >= 48 && c <= 57) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
            if !ok { return nil }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer -> Double? in
            for i in 0..<n { buffer[i] = CChar(bitPattern: p[i]) }
            buffer[n] = 0
            guard let base = buffer.baseAddress else { return nil }
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(base, &end)
            guard let end, end - base == n else { return nil }
            return value
        }
    }

    /// Convenience for tests and small inputs.
    public static func parse(_ text: String) -> Double? {
        var bytes = Array(text.utf8)
        let n = bytes.count
        if n == 0 { return nil }
        return bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { parse(UnsafePointer($0), count: n) }
        }
    }
}
