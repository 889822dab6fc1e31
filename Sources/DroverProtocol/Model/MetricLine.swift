import Foundation

/// The usual line of the metrics protocol (docs/commands.md), read straight from its bytes:
/// `{"metric": NAME, "value": N}` with an optional `"step": S`, keys in any order, JSON
/// whitespace between tokens. A foreign-function JSON parser costs 5–20 µs a line
/// (`JSONSerialization`, `JSONDecoder`); this costs well under 1 µs, which is what lets a job
/// stream tens of thousands of points a second (docs/performance.md).
///
/// `scan` says yes only to lines it understands completely and returns nil for anything else —
/// escapes or non-ASCII bytes in a string, other keys, a repeated key, `true`, `null`, a number
/// outside JSON's grammar or range, text after the object. Callers then ask their full JSON parser, so a
/// line means the same with or without this shortcut; nothing is judged here (an empty name or
/// a name of 300 characters is returned as written, for the caller's rules).
public struct MetricLine: Sendable, Equatable {
    public var name: String
    public var value: Double
    /// The step as written; nil when the line has none.
    public var step: Double?

    public init(name: String, value: Double, step: Double? = nil) {
        self.name = name
        self.value = value
        self.step = step
    }

    public static func scan(_ line: UnsafeRawBufferPointer) -> MetricLine? {
        var s = Scanner(bytes: line)
        return s.line()
    }

    /// A metric line as the pipeline runner takes it from a running job's stream: nil unless it
    /// is a JSON object with a `metric` name (1–256 characters), a finite number `value` (not a
    /// boolean) and, if any, a numeric `step` within Int64 (`null` counts as none). The usual
    /// shape is read by `scan`, the rest by `JSONDecoder`.
    public static func read(_ line: UnsafeRawBufferPointer) -> MetricLine? {
        guard line.first == UInt8(ascii: "{") || line.first == 0x20 || line.first == 0x09,
              let m = scan(line) ?? json(line),
              !m.name.isEmpty, m.name.utf8.count <= 256 || m.name.count <= 256, m.value.isFinite,
              m.step == nil || m.wholeStep != nil else { return nil }
        return m
    }

    /// The step cut to a whole number (as written: 3.7 is step 3); nil without one, or outside Int64.
    public var wholeStep: Int64? { step.flatMap { $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) : nil } }

    /// The full parser for the rest. `JSONDecoder`, not `JSONSerialization`: on Linux the latter
    /// hands out 0 and 1 as `NSNumber`s that also pass `is Bool`, so a value of exactly 0 or 1
    /// was taken for a boolean and its line dropped (the first point of a curve, often).
    private static func json(_ line: UnsafeRawBufferPointer) -> MetricLine? {
        struct Fields: Decodable { var metric: String?; var value: Double?; var step: Double? }
        guard let f = try? JSONDecoder().decode(Fields.self, from: Data(line)), let name = f.metric, let value = f.value else { return nil }
        return MetricLine(name: name, value: value, step: f.step)
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        mutating func line() -> MetricLine? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var name: String?, value: Double?, step: Double?
            repeat {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                switch key {
                case "metric" where name == nil: guard let v = string() else { return nil }; name = v
                case "value" where value == nil: guard let v = number() else { return nil }; value = v
                case "step" where step == nil: guard let v = number() else { return nil }; step = v
                default: return nil
                }
                skipSpace()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
            skipSpace()
            guard at == bytes.count, let name, let value else { return nil }
            return MetricLine(name: name, value: value, step: step)
        }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0D || bytes[at] == 0x0A { at += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        /// A string of printable ASCII without escapes.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            while at < bytes.count, bytes[at] != UInt8(ascii: "\"") {
                guard bytes[at] >= 0x20, bytes[at] < 0x80, bytes[at] != UInt8(ascii: "\\") else { return nil }
                at += 1
            }
            guard at < bytes.count else { return nil }
            at += 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(at - 1)]), as: UTF8.self)
        }

        /// A number in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        mutating func number() -> Double? {
            let start = at
            _ = take(UInt8(ascii: "-"))
            guard at < bytes.count, isDigit(bytes[at]) else { return nil }
            if bytes[at] == UInt8(ascii: "0") { at += 1 } else { digits() }
            if take(UInt8(ascii: ".")) {
                guard at < bytes.count, isDigit(bytes[at]) else { return nil }
                digits()
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard at < bytes.count, isDigit(bytes[at]) else { return nil }
                digits()
            }
            // Swift's `Double(String)` rounds correctly (strtod), as JSON parsers do; a short
            // number is a small string, without an allocation. Out of range (1e400) is left to
            // the full parser, which has its own opinion.
            let d = Double(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self))
            return d?.isFinite == true ? d : nil
        }

        mutating func digits() {
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }

        func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
    }
}
