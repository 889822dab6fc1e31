import DroverProtocol

/// The predict answer written as JSON bytes by hand, keys sorted as `JSONEncoder` with
/// `.sortedKeys` writes them. The hot path: through `JSONEncoder` the answer of a one-row request
/// cost ~11 % of the server's CPU under wrk (perf, release, 2 cores).
enum ReplyJSON {
    static func bytes(_ reply: ModelService.Reply) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + 128 * reply.predictions.count)
        out.append(contentsOf: #"{"arm":"#.utf8)
        string(reply.arm, to: &out)
        if let features = reply.features {
            out.append(contentsOf: #","features":["#.utf8)
            for (i, row) in features.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                object(row.sorted { $0.key < $1.key }, to: &out) { string($0, to: &$1) }
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #","model":"#.utf8)
        string(reply.model, to: &out)
        out.append(contentsOf: #","predictions":["#.utf8)
        for (i, p) in reply.predictions.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"prediction":"#.utf8)
            value(p.prediction, to: &out)
            if let all = p.probabilities {
                out.append(contentsOf: #","probabilities":"#.utf8)
                object(all.sorted { $0.key < $1.key }, to: &out) { number($0, to: &$1) }
            }
            if let probability = p.probability {
                out.append(contentsOf: #","probability":"#.utf8)
                number(probability, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"request_id":"#.utf8)
        string(reply.requestID, to: &out)
        out.append(contentsOf: #","version":"#.utf8)
        out.append(contentsOf: String(reply.version).utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func object<V>(_ fields: [(key: String, value: V)], to out: inout [UInt8], _ write: (V, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "{"))
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(f.key, to: &out)
            out.append(UInt8(ascii: ":"))
            write(f.value, &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    static func value(_ v: JSONValue, to out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d): number(d, to: &out)
        case .string(let s): string(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                value(e, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            object(o.sorted { $0.key < $1.key }, to: &out) { value($0, to: &$1) }
        }
    }

    /// A number as `JSONEncoder` writes it: integral values without `.0`; NaN and infinities
    /// (which it refuses) as null.
    static func number(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else { return out.append(contentsOf: "null".utf8) }
        if d == d.rounded(), abs(d) < 1e15 { return out.append(contentsOf: String(Int64(d)).utf8) }
        out.append(contentsOf: d.description.utf8)
    }

    /// A JSON string, escaped as `JSONEncoder` escapes it.
    static func string(_ s: String, to out: inout [UInt8]) {
        JSONText.appendString(s, to: &out)
    }
}
