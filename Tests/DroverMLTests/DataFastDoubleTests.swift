import Testing
@testable import DroverML

@Test func fastDoubleMatchesSwiftOnRoundTripText() {
    var generator = SplitMix64(seed: 42)
    for _ in 0..<200_000 {
        let kind = generator.next() % 4
        let value: Double
        switch kind {
        case 0: value = Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF) // any finite
        case 1: value = Double.random(in: -5...5, using: &generator)
        case 2: value = Double.random(in: -1e-6...1e6, using: &generator)
        default: value = Double(Int64(bitPattern: generator.next()) % 1_000_000_000) / 1000
        }
        let text = "\(value)"
        #expect(FastDouble.parse(text) == Double(text), "\(text)")
    }
}

@Test func fastDoubleMatchesSwiftOnShortAndTrickyDecimals() {
    var generator = SplitMix64(seed: 3)
    for _ in 0..<100_000 {
        let digits = Int(generator.next() % 19) + 1
        var text = generator.next() % 2 == 0 ? "-" : ""
        let dot = Int(generator.next() % UInt64(digits + 1))
        for k in 0..<digits {
            if k == dot { text += "." }
            text += String(generator.next() % 10)
        }
        if generator.next() % 3 == 0 { text += "e\(Int(generator.next() % 60) - 30)" }
        #expect(FastDouble.parse(text) == Double(text), "\(text)")
    }
    let cases = ["0", "-0", "1e308", "1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308",
                 "9007199254740993", "0.1", "123456789012345678901234", ".5", "5.", "inf", "-Infinity",
                 "9999999999999999999", "0.30000000000000004", "1e-21", "123.456e-19"]
    for text in cases {
        #expect(FastDouble.parse(text) == Double(text), "\(text)")
    }
    for bad in ["", "-", ".", "e5", "1e", "1.2.3", "abc", "0x10", "1 2", "nan", "+-1"] {
        #expect(FastDouble.parse(bad) == nil, "\(bad)")
    }
}

/// The reciprocal-division path: 16–19 significant digits with decimal exponents −1…−19.
@Test func fastDoubleMatchesSwiftOnLongMantissasWithNegativeExponents() {
    var generator = SplitMix64(seed: 77)
    for _ in 0..<100_000 {
        let digits = 16 + Int(generator.next() % 4)
        var mantissa = String(1 + generator.next() % 9)
        for _ in 1..<digits { mantissa += String(generator.next() % 10) }
        let k = 1 + Int(generator.next() % 19)
        let text = "\(mantissa)e-\(k)"
        #expect(FastDouble.parse(text) == Double(text), "\(text)")
    }
}
