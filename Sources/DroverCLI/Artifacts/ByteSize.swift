import ArgumentParser

/// A byte count on the command line: `1048576`, `512K`, `64M`, `10G`, `1T` (binary multiples).
struct ByteSize: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var bytes: Int64

    init(bytes: Int64) { self.bytes = bytes }

    init?(argument: String) {
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var text = Substring(argument.uppercased())
        if text.hasSuffix("B") || text.hasSuffix("IB") { text = text.dropLast(text.hasSuffix("IB") ? 2 : 1) }
        var multiplier: Int64 = 1
        if let last = text.last, let unit = units[last] {
            multiplier = unit
            text = text.dropLast()
        }
        guard let n = Int64(text), n >= 0, n <= Int64.max / multiplier else { return nil }
        bytes = n * multiplier
    }

    var description: String {
        for (suffix, unit) in [("T", Int64(1) << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return "\(bytes)"
    }

    var defaultValueDescription: String { description }
}
