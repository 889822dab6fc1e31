/// One row shard of a CSV artifact, read by byte range: the header line plus the rows that
/// *start* inside `[start, end)`. Shards that tile the file therefore cover each row exactly
/// once, without anyone scanning the whole file. (A line break inside a quoted field would be
/// taken for a row boundary: pipeline spans must not have multi-line fields.)
public enum CSVShard {
    /// Bytes fetched past a range's end while looking for the end of its last row.
    static let lookahead: Int64 = 64 << 10

    /// `read(range)` returns the artifact's bytes in `range` (clipped to its size).
    public static func read(size: Int64, range: Range<Int64>,
                            _ read: (Range<Int64>) async throws -> [UInt8]) async throws -> [UInt8] {
        let newline = UInt8(ascii: "\n")
        // Header: up to the first line break.
        var header: [UInt8] = []
        var offset: Int64 = 0
        while offset < size {
            let chunk = try await read(offset..<min(size, offset + lookahead))
            guard !chunk.isEmpty else { break }
            if let i = chunk.firstIndex(of: newline) {
                header += chunk[...i]
                break
            }
            header += chunk
            offset += Int64(chunk.count)
        }
        let headerEnd = Int64(header.count)
        if header.last != newline { header.append(newline) }
        // First row start ≥ range.lowerBound: after the first line break at or after lowerBound − 1.
        let start: Int64
        if range.lowerBound <= headerEnd {
            start = headerEnd
        } else {
            guard let s = try await nextRowStart(from: range.lowerBound - 1, size: size, read) else { return header }
            start = s
        }
        // First row start ≥ range.upperBound ends the shard.
        let end = range.upperBound >= size ? size : (try await nextRowStart(from: range.upperBound - 1, size: size, read) ?? size)
        guard start < end else { return header }
        return header + (try await read(start..<end))
    }

    /// The position after the first line break at or after `from`, or nil if none.
    static func nextRowStart(from: Int64, size: Int64, _ read: (Range<Int64>) async throws -> [UInt8]) async throws -> Int64? {
        var offset = from
        while offset < size {
            let chunk = try await read(offset..<min(size, offset + lookahead))
            guard !chunk.isEmpty else { return nil }
            if let i = chunk.firstIndex(of: UInt8(ascii: "\n")) { return offset + Int64(i) + 1 }
            offset += Int64(chunk.count)
        }
        return nil
    }

    /// `"a-b"` → `a..<b`.
    public static func parseRange(_ text: String) -> Range<Int64>? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let a = Int64(parts[0]), let b = Int64(parts[1]), a >= 0, a <= b else { return nil }
        return a..<b
    }
}
