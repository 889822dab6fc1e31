/// Hand-written JSON for the few shapes that are written often and large (job lists, job events):
/// Foundation's `JSONEncoder` costs ~3 µs a job summary, which the coordinator's loop pays on a
/// 1,000-job page. Keys are written in sorted order, as `JSONReply` sorts them, and optionals that
/// are nil are left out, as `JSONEncoder` does, so the bytes decode to the same values.
public enum JSONText {
    /// Appends `s` as a JSON string (quoted, escaped).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings (kinds, states, worker names) need no escape: copied at once.
        if !s.utf8.contains(where: needsEscape) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "/"): out.append(contentsOf: #"\/"#.utf8) // as JSONEncoder does
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0F)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends an unsigned integer in decimal (without making a String of it).
    public static func appendInteger(_ n: some UnsignedInteger, to out: inout [UInt8]) {
        var v = UInt64(n)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in // UInt64.max has 20
            var i = digits.count
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i...]))
        }
    }

    private static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "/")
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

extension JobSummary {
    /// `jobs` as a JSON array, the same values `JSONEncoder` would write.
    public static func json(_ jobs: [JobSummary]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + jobs.count * 96)
        appendJSON(jobs, to: &out)
        return out
    }

    /// Appends `jobs` as a JSON array (keys sorted: attempt, id, kind, state, worker).
    public static func appendJSON(_ jobs: [JobSummary], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, job) in jobs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"attempt":"#.utf8)
            JSONText.appendInteger(job.attempt, to: &out)
            out.append(contentsOf: #","id":"#.utf8)
            JSONText.appendInteger(job.id, to: &out)
            out.append(contentsOf: #","kind":"#.utf8)
            JSONText.appendString(job.kind, to: &out)
            out.append(contentsOf: #","state":"#.utf8)
            JSONText.appendString(job.state, to: &out)
            if let worker = job.worker {
                out.append(contentsOf: #","worker":"#.utf8)
                JSONText.appendString(worker, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }
}

/// One page of the job list, as the HTTP API answers it: `next` is the cursor of the following
/// page (the last job's id), null on the last page.
public struct JobsPage: Codable, Sendable, Equatable {
    public var items: [JobSummary]
    public var next: String?

    public init(items: [JobSummary], next: String?) {
        self.items = items
        self.next = next
    }

    /// The page of `items` asked for with `limit`: a full page has a next one.
    public init(items: [JobSummary], limit: Int) {
        self.init(items: items, next: items.count == limit ? items.last.map { String($0.id) } : nil)
    }

    enum CodingKeys: String, CodingKey { case items, next }

    /// `next` is written as null on the last page (not left out), so clients can test for it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(next, forKey: .next)
    }

    /// The page as JSON, the same bytes `JSONEncoder` with sorted keys would write.
    public var json: [UInt8] {
        var out = Array(#"{"items":"#.utf8)
        out.reserveCapacity(32 + items.count * 96)
        JobSummary.appendJSON(items, to: &out)
        out.append(contentsOf: #","next":"#.utf8)
        if let next { JSONText.appendString(next, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
