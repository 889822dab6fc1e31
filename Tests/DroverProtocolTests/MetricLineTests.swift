import DroverProtocol
import Foundation
import Testing

@Suite("Metric lines: the usual shape read from bytes, anything else left to a JSON parser")
struct MetricLineTests {
    static func scan(_ line: String) -> MetricLine? { Array(line.utf8).withUnsafeBytes(MetricLine.scan) }
    static func read(_ line: String) -> MetricLine? { Array(line.utf8).withUnsafeBytes(MetricLine.read) }

    @Test("the protocol's lines, keys in any order, with spaces", arguments: [
        (#"{"metric":"loss","value":0.25,"step":3}"#, MetricLine(name: "loss", value: 0.25, step: 3)),
        (#" { "step" : 7 , "value" : -1.5e-3 , "metric" : "val/auc" } "#, MetricLine(name: "val/auc", value: -0.0015, step: 7)),
        (#"{"metric":"acc","value":1}"#, MetricLine(name: "acc", value: 1)),
        ("{\"metric\":\"x\",\t\"value\":0E+2}\r", MetricLine(name: "x", value: 0)),
    ])
    func usual(_ line: String, _ expected: MetricLine) {
        #expect(Self.scan(line) == expected)
        #expect(Self.read(line) == expected)
    }

    @Test("scan says nothing about what it does not fully understand", arguments: [
        #"{"metric":"lo\"ss","value":1}"#, // an escape
        #"{"metric":"é","value":1}"#, // non-ASCII
        #"{"metric":"loss","value":1,"extra":2}"#, // another key
        #"{"metric":"loss","metric":"acc","value":1}"#, // a repeated key
        #"{"metric":"loss","value":true}"#, #"{"metric":"loss","value":null}"#, #"{"metric":"loss","value":"1"}"#,
        #"{"metric":"loss","value":01}"#, #"{"metric":"loss","value":1.}"#, #"{"metric":"loss","value":+1}"#,
        #"{"metric":"loss","value":.5}"#, #"{"metric":"loss","value":1e}"#, #"{"metric":"loss","value":1e400}"#,
        #"{"metric":"loss","value":1} x"#, #"{"metric":"loss","value":1"#, #"{"metric":"loss"}"#, #"{"value":1}"#,
        #"{"metric":"loss","value":1,}"#, "", "not json",
    ])
    func declined(_ line: String) {
        #expect(Self.scan(line) == nil)
    }

    @Test("read: what scan declines, a JSON parser decides; 0 and 1 are numbers, not booleans")
    func fallback() {
        #expect(Self.read(#"{"metric":"lo\"ss","value":0}"#) == MetricLine(name: "lo\"ss", value: 0))
        #expect(Self.read(#"{"metric":"lo\"ss","value":1.0,"step":null}"#) == MetricLine(name: "lo\"ss", value: 1))
        #expect(Self.read(#"{"metric":"lo\"ss","value":1,"step":"x"}"#) == nil, "a step that is not a number")
        #expect(Self.read(#"{"metric":"lo\"ss","value":1}"#) == MetricLine(name: "lo\"ss", value: 1))
        #expect(Self.read(#"{"metric":"é","value":2,"step":4,"note":"x"}"#) == MetricLine(name: "é", value: 2, step: 4))
        #expect(Self.read(#"{"metric":"loss","value":true}"#) == nil, "a boolean is not a number")
        #expect(Self.read(#"{"metric":"loss","value":"1"}"#) == nil)
        #expect(Self.read(#"{"param":"lr","value":0.1}"#) == nil)
        #expect(Self.read("[drover: 3 chunk(s) of output lost]") == nil)
    }

    @Test("read: the runner's rules on names, values and steps")
    func rules() {
        #expect(Self.read(#"{"metric":"","value":1}"#) == nil)
        #expect(Self.read(#"{"metric":"\#(String(repeating: "m", count: 257))","value":1}"#) == nil)
        #expect(Self.read(#"{"metric":"\#(String(repeating: "m", count: 256))","value":1}"#)?.value == 1)
        #expect(Self.read(#"{"metric":"loss","value":1e400}"#) == nil, "not finite")
        #expect(Self.read(#"{"metric":"loss","value":1,"step":1e30}"#) == nil, "a step outside Int64 is garbage, not a trap")
        #expect(Self.read(#"{"metric":"loss","value":1,"step":3.7}"#)?.wholeStep == 3)
        #expect(Self.read(#"{"metric":"loss","value":1,"step":-2}"#)?.wholeStep == -2)
    }

    /// Correctly rounded, like Swift's `Double(String)`; corelibs' `JSONSerialization` is off by
    /// a few to tens of units in the last place for 17-digit numbers (found by this test), so it
    /// is the reference only up to that.
    @Test("numbers come out correctly rounded, and as JSONSerialization reads them up to its rounding error")
    func sameNumbers() throws {
        var generator = SystemRandomNumberGenerator()
        var texts: [(String, Double?)] = [("0", 0), ("-0", 0), ("1", 1), ("0.1", 0.1), ("9007199254740993", 9007199254740992),
                                          ("2.2250738585072014e-308", 2.2250738585072014e-308), ("4.9e-324", .leastNonzeroMagnitude),
                                          ("1.7976931348623157e308", .greatestFiniteMagnitude), ("0.30000000000000004", 0.30000000000000004),
                                          ("1E-7", 1e-7), ("-12.5e+2", -1250)]
        for _ in 0..<2_000 {
            let d = Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF)
            texts.append(("\(d)", d)) // Swift prints the shortest text that reads back as d
            texts.append((String(format: "%.6f", Double(generator.next() % 1_000_000) / 997), nil))
        }
        for (text, exact) in texts {
            let line = #"{"metric":"m","value":\#(text)}"#
            let value = try #require(Self.scan(line)?.value, "\(text)")
            #expect(value == (exact ?? Double(text)), "\(text)")
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let theirs = try #require((obj["value"] as? NSNumber)?.doubleValue)
            #expect(abs(value - theirs) <= 1e-13 * abs(value), "\(text): \(value) against \(theirs)")
        }
    }
}
