/// Field texts read as a missing value in every column: the empty field and
/// `NA`, `N/A`, `NaN`, `nan`, `null`, `NULL` (a subset of pandas' defaults that rarely
/// collides with real categories). NaN is therefore never a *value*: it is "missing".
public enum MissingValues {
    public static let tokens: Set<String> = ["", "NA", "N/A", "NaN", "nan", "null", "NULL"]

    /// True when the bytes are one of `tokens` (checked without allocating).
    @inline(__always)
    static func isMissing(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n == 0 { return true }
        if n > 4 { return false }
        let c = p[0]
        guard c == UInt8(ascii: "N") || c == UInt8(ascii: "n") else { return false }
        switch n {
        case 2: return c == UInt8(ascii: "N") && p[1] == UInt8(ascii: "A")
        case 3:
            return (c == UInt8(ascii: "N") && p[1] == UInt8(ascii: "/") && p[2] == UInt8(ascii: "A"))
                || (c == UInt8(ascii: "N") && p[1] == UInt8(ascii: "a") && p[2] == UInt8(ascii: "N"))
                || (c == UInt8(ascii: "n") && p[1] == UInt8(ascii: "a") && p[2] == UInt8(ascii: "n"))
        case 4:
            return (c == UInt8(ascii: "n") && p[1] == UInt8(ascii: "u") && p[2] == UInt8(ascii: "l") && p[3] == UInt8(ascii: "l"))
                || (c == UInt8(ascii: "N") && p[1] == UInt8(ascii: "U") && p[2] == UInt8(ascii: "L") && p[3] == UInt8(ascii: "L"))
        default: return false
        }
    }

    /// Boolean spellings accepted by inference (case-insensitive): true/false, yes/no.
    /// A column is boolean when every present value is from one pair.
    static func boolean(_ text: String) -> (value: Bool, pair: Int)? {
        switch text.lowercased() {
        case "true": return (true, 0)
        case "false": return (false, 0)
        case "yes": return (true, 1)
        case "no": return (false, 1)
        default: return nil
        }
    }
}
