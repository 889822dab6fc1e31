#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte offsets of the records in a CSV buffer: record `i` spans `starts[i]..<ends[i]`
/// (line terminator and a trailing `\r` excluded). Blank lines are skipped.
struct CSVRows {
    var starts: [Int] = []
    var ends: [Int] = []
    /// True when the buffer contains a `"` anywhere, so fields may need unquoting.
    var hasQuotes = false

    var count: Int { starts.count }

    /// Splits `bytes` into records. Without any `"` in the buffer this is a `memchr` loop;
    /// otherwise a quote-aware scan, where a line break inside quotes belongs to the field.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws(DataError) -> CSVRows {
        var rows = CSVRows()
        guard let base = bytes.baseAddress, bytes.count > 0 else { return rows }
        let n = bytes.count
        rows.hasQuotes = memchr(base, Int32(UInt8(ascii: "\"")), n) != nil
        let estimate = n / 32 + 16 // grows if lines average < 32 bytes
        rows.starts.reserveCapacity(estimate)
        rows.ends.reserveCapacity(estimate)
        var start = 0
        if !rows.hasQuotes {
            while start < n {
                let found = memchr(base + start, Int32(UInt8(ascii: "\n")), n - start)
                let stop = found.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? n
                rows.append(base, start, stop)
                start = stop + 1
            }
            return rows
        }
        var i = 0
        var inQuotes = false
        var quoteOpenedAt = 0
        while i < n {
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                if !inQuotes { quoteOpenedAt = i }
                inQuotes.toggle()
            } else if c == UInt8(ascii: "\n") && !inQuotes {
                rows.append(base, start, i)
                start = i + 1
            }
            i += 1
        }
        if inQuotes {
            throw DataError(.unterminatedQuote, "a quoted field is never closed", source: source,
                            line: lineNumber(bytes, offset: quoteOpenedAt),
                            hint: "close the field with \" and write a literal quote inside it as \"\"")
        }
        if start < n { rows.append(base, start, n) }
        return rows
    }

    private mutating func append(_ base: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) {
        var end = stop
        if end > start && base[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end == start { return }
        starts.append(start)
        ends.append(end)
    }

    /// The 1-based line that `offset` lies on (only computed for error messages).
    static func lineNumber(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int) -> Int {
        var line = 1
        var i = 0
        while i < offset && i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") { line += 1 }
            i += 1
        }
        return line
    }
}

/// Iterates the fields of one record. A field that starts with `"` is quoted: it ends at the
/// closing quote, and `""` inside it stands for one `"` (RFC 4180).
struct CSVFieldCursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    let delimiter: UInt8
    var position: Int
    var finished = false

    init(base: UnsafePointer<UInt8>, start: Int, end: Int, delimiter: UInt8) {
        self.base = base
        self.position = start
        self.end = end
        self.delimiter = delimiter
    }

    /// The next field's content range and whether it holds `""` escapes; nil after the last field.
    @inline(__always)
    mutating func next() -> (start: Int, end: Int, escaped: Bool)? {
        if finished { return nil }
        var p = position
        if p < end && base[p] == UInt8(ascii: "\"") {
            let contentStart = p + 1
            p = contentStart
            var escaped = false
            while p < end {
                if base[p] == UInt8(ascii: "\"") {
                    if p + 1 < end && base[p + 1] == UInt8(ascii: "\"") { escaped = true; p += 2; continue }
                    break
                }
                p += 1
            }
            let contentEnd = min(p, end)
            // Skip to the delimiter (text after a closing quote is tolerated and dropped).
            while p < end && base[p] != delimiter { p += 1 }
            advance(past: p)
            return (contentStart, contentEnd, escaped)
        }
        while p < end && base[p] != delimiter { p += 1 }
        let field = (position, p, false)
        advance(past: p)
        return field
    }

    @inline(__always)
    private mutating func advance(past p: Int) {
        if p >= end { finished = true } else { position = p + 1 }
    }

    /// The field's text with `""` unescaped.
    func string(_ start: Int, _ end: Int, escaped: Bool) -> String {
        let buffer = UnsafeBufferPointer(start: base + start, count: end - start)
        if !escaped { return String(decoding: buffer, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count)
        var i = 0
        while i < buffer.count {
            out.append(buffer[i])
            i += buffer[i] == UInt8(ascii: "\"") && i + 1 < buffer.count && buffer[i + 1] == UInt8(ascii: "\"") ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
