/// A `Range: bytes=…` request header (RFC 9110 §14.1.2), single range only, resolved against
/// the artifact's size.
public enum ByteRangeRequest: Equatable, Sendable {
    /// Serve the whole artifact (no header, or a form we ignore as the RFC allows).
    case whole
    /// Serve these bytes with 206.
    case partial(Range<Int64>)
    /// 416: no byte of the range is inside the artifact.
    case unsatisfiable

    public init(header: String?, size: Int64) {
        guard let header else { self = .whole; return }
        let trimmed = header.trimmingWhitespace
        guard trimmed.hasPrefix("bytes="), !trimmed.contains(",") else { self = .whole; return } // multipart ranges: ignored
        let spec = trimmed.dropFirst(6)
        guard let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // bytes=-N: the last N bytes.
            guard let n = Int64(last), n >= 0 else { self = .whole; return }
            self = n == 0 || size == 0 ? .unsatisfiable : .partial(max(0, size - n)..<size)
            return
        }
        guard let start = Int64(first), start >= 0 else { self = .whole; return }
        var end = size - 1
        if !last.isEmpty {
            guard let e = Int64(last), e >= start else { self = .whole; return }
            end = min(e, size - 1)
        }
        self = start >= size ? .unsatisfiable : .partial(start..<end + 1)
    }

    /// The header for a request of `range`.
    public static func header(for range: Range<Int64>) -> String {
        "bytes=\(range.lowerBound)-\(range.upperBound - 1)"
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
