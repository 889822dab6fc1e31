/// Lower-case hexadecimal text of bytes (digests, token hashes, ETags). Written out because
/// `String(format: "%02x")` per byte costs microseconds each on Linux: it was a twentieth of an
/// API request's CPU.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    public static func lower(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One byte's two digits, for escapes such as JSON's `\u00XX`.
    public static func pair(_ b: UInt8) -> (UInt8, UInt8) { (digits[Int(b >> 4)], digits[Int(b & 0x0F)]) }
}
