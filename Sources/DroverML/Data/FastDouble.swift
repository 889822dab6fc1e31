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
/// - exponent in -21...-1: exact 128-bit division with a sticky bit, then one rounding;
/// - exponent in 1...19: exact 128-bit product, then one rounding;
/// - anything else (more than 19 digits, huge exponents): C `strtod`, which is correctly rounded.
public enum FastDouble {
    /// Accepts `[+-]digits[.digits][(e|E)[+-]digits]`, `.5`, `5.`, and `inf`/`infinity`
    /// (any case, with sign). Returns nil for anything else, including the empty string.
    @inlinable
    public static func parse(_ p: UnsafePointer<UInt8>, count n: Int) -> Double? {
        if n <= 0 { return nil }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawDigit = false
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                return slow(p, n)
            }
            i += 1
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else if d != 0 {
                    return slow(p, n)
                }
                i += 1
            }
        }
        if !sawDigit { return special(p, n) }
        if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                expNegative = p[i] == UInt8(ascii: "-"); i += 1
            }
            var e = 0
            var expDigits = 0
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            if expDigits == 0 { return nil }
            exponent += expNegative ? -e : e
        }
        if i != n { return nil }
        let magnitude = compose(mantissa, exponent) ?? slow(p, n).map(abs)
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// mantissa × 10^exponent, correctly rounded, or nil when outside the fast ranges.
    @inlinable
    static func compose(_ m: UInt64, _ e: Int) -> Double? {
        if m == 0 { return 0 }
        if m < (1 << 53) && e >= -22 && e <= 22 {
            return e < 0 ? Double(m) / powersOf10[-e] : Double(m) * powersOf10[e]
        }
        if e == 0 { return Double(m) }
        if e < 0 && e >= -21 {
            // m·2^s / 10^k with the top bit of the numerator at bit 127: the quotient has
            // ≥ 58 bits (10^21 < 2^70), so OR-ing the sticky bit into bit 0 cannot create a tie.
            let shift = 64 + m.leadingZeroBitCount
            let numerator = UInt128(m) << shift
            let divisor = powersOf10Wide[-e]
            let (q, r) = numerator.quotientAndRemainder(dividingBy: divisor)
            let sticky: UInt128 = r == 0 ? 0 : 1
            return Double(sign: .plus, exponent: -shift, significand: Double(q | sticky))
        }
        if e > 0 && e <= 19 {
            return Double(UInt128(m) * powersOf10Wide[e])
        }
        return nil
    }

    @usableFromInline
    static let powersOf10: [Double] = (0...22).map { pow(10.0, Double($0)) }
    @usableFromInline
    static let powersOf10Wide: [UInt128] = (0...21).map { k in (0..<k).reduce(UInt128(1)) { a, _ in a * 10 } }

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
