import Foundation
@testable import DroverML

/// The fixture datasets and small in-memory tables for model tests.
enum ModelTestData {
    static func table(_ name: String, label: String? = nil) throws -> Table {
        var options = CSVOptions()
        if let label { options.columnTypes = [label: .categorical] }
        return try CSVReader.read(path: Fixtures.path(name), options: options)
    }

    /// A small mixed table: numeric with a missing value, categorical, and a 0/1 label.
    static func small(rows n: Int = 200) -> Table {
        var xs: [Double] = [], zs: [Double] = [], codes: [Int32] = [], labels: [Double] = []
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for i in 0..<n {
            let x = next() * 4 - 2, z = next()
            let code = Int32(i % 3)
            xs.append(i == 5 ? .nan : x)
            zs.append(z)
            codes.append(code)
            labels.append(x + (code == 1 ? 0.8 : -0.3) + 0.3 * (next() - 0.5) > 0 ? 1 : 0)
        }
        return Table(columns: [
            Column(name: "x", numbers: xs),
            Column(name: "z", numbers: zs),
            Column(name: "color", codes: codes, categories: ["red", "green", "blue"]),
            Column(name: "label", numbers: labels),
        ])
    }
}
