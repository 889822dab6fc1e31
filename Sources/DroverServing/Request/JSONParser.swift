/// A JSON parser for request bodies, straight from bytes to `JSONValue` (RFC 8259): the predict
/// path's hot spot, where `JSONDecoder` and `JSONValue`'s Codable probing (one thrown type
/// mismatch per guess) cost more than the model. Errors name the byte offset.
public struct JSONParser {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var offset: Int
        public var problem: String
        public var description: String { "\(problem) at byte \(offset)" }
    }

    let bytes: UnsafeRawBufferPointer
    var at = 0
    var depth = 0
    static let maxDepth = 64

    /// Parses one JSON document (surrounding whitespace allowed, nothing after it).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> JSONValue {
        var p = JSONParser(bytes: bytes)
        let value = try p.value()
        p.skipSpace()
        guard p.at == bytes.count else { throw p.failure("unexpected data after the JSON value") }
        return value
    }

    public static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBytes { raw in Result { () throws(Failure) in try parse(raw) } }.get()
    }

    func failure(_ problem: String) -> Failure { Failure(offset: at, problem: problem) }

    var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    mutating func value() throws(Failure) -> JSONValue {
        skipSpace()
        guard let c = peek else { throw failure("unexpected end of the body") }
        switch c {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count, (0..<n).allSatisfy({ bytes[at + $0] == word.utf8Start[$0] }) else {
            throw failure("expected \(word)")
        }
        at += n
    }

    mutating func nested<T>(_ body: (inout JSONParser) throws(Failure) -> T) throws(Failure) -> T {
        depth += 1
        guard depth <= Self.maxDepth else { throw failure("nested deeper than \(Self.maxDepth) levels") }
        defer { depth -= 1 }
        return try body(&self)
    }

    mutating func object() throws(Failure) -> JSONValue {
        try nested { (p: inout JSONParser) throws(Failure) -> JSONValue in
            p.at += 1
            var fields: [String: JSONValue] = [:]
            p.skipSpace()
            if p.peek == UInt8(ascii: "}") { p.at += 1; return .object(fields) }
            while true {
                p.skipSpace()
                guard p.peek == UInt8(ascii: "\"") else { throw p.failure("expected a field name in quotes") }
                let key = try p.string()
                p.skipSpace()
                guard p.peek == UInt8(ascii: ":") else { throw p.failure("expected ':' after field name \"\(key)\"") }
                p.at += 1
                fields[key] = try p.value()
                p.skipSpace()
                switch p.peek {
                case UInt8(ascii: ","): p.at += 1
                case UInt8(ascii: "}"): p.at += 1; return .object(fields)
                default: throw p.failure("expected ',' or '}' in an object")
                }
            }
        }
    }

    mutating func array() throws(Failure) -> JSONValue {
        try nested { (p: inout JSONParser) throws(Failure) -> JSONValue in
            p.at += 1
            var items: [JSONValue] = []
            p.skipSpace()
            if p.peek == UInt8(ascii: "]") { p.at += 1; return .array(items) }
            while true {
                items.append(try p.value())
                p.skipSpace()
                switch p.peek {
                case UInt8(ascii: ","): p.at += 1
                case UInt8(ascii: "]"): p.at += 1; return .array(items)
                default: throw p.failure("expected ',' or ']' in an array")
                }
            }
        }
    }

    mutating func string() throws(Failure) -> String {
        at += 1 // the opening quote
        let start = at
        // Fast path: no escapes.
        while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\"), bytes[at] >= 0x20 { at += 1 }
        if at < bytes.count, bytes[at] == UInt8(ascii: "\"") {
            defer { at += 1 }
            guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self) else {
                throw failure("a string is not valid UTF-8")
            }
            return s
        }
        var out = Array(bytes[start..<at])
        while at < bytes.count {
            let c = bytes[at]
            if c == UInt8(ascii: "\"") {
                guard let s = String(validating: out, as: UTF8.self) else { throw failure("a string is not valid UTF-8") }
                at += 1
                return s
            }
            guard c >= 0x20 else { throw failure("control character in a string (escape it)") }
            guard c == UInt8(ascii: "\\") else { out.append(c); at += 1; continue }
            at += 1
            guard let e = peek else { break }
            at += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) { // a surrogate pair
                    guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired surrogate \\u escape")
                    }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw failure("invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        throw failure("unterminated string")
    }

    mutating func hex4() throws(Failure) -> UInt32 {
        guard at + 4 <= bytes.count else { throw failure("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[at]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    mutating func number() throws(Failure) -> Double {
        let start = at
        if peek == UInt8(ascii: "-") { at += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.at
            while p.at < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.at]) { p.at += 1 }
            return p.at - s
        }
        let whole = digits(&self)
        guard whole > 0 else { at = start; throw failure("expected a value (object, array, string, number, true, false or null)") }
        guard whole == 1 || bytes[at - whole] != UInt8(ascii: "0") else { throw failure("a number has a leading zero") }
        if peek == UInt8(ascii: ".") {
            at += 1
            guard digits(&self) > 0 else { throw failure("expected digits after '.'") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            at += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
            guard digits(&self) > 0 else { throw failure("expected digits in the exponent") }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw Failure(offset: start, problem: "number \(text) is out of range") }
        return d
    }
}
