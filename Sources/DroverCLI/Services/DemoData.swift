import DroverCore
import Foundation

/// A generated churn-like dataset for `drover demo` (the quick start ships no data): 5,000
/// customers, numeric and categorical features, a label drawn from a known logistic model,
/// deterministic (fixed-seed generator).
enum DemoData {
    static func write(in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: directory).appendingPathComponent("customers.csv").path
        var rng = DemoRandom(seed: 42)
        let plans = ["basic", "plus", "pro"], regions = ["north", "south", "east", "west"]
        var text = "tenure_months,monthly_spend,support_tickets,plan,region,churned\n"
        for _ in 0..<5_000 {
            let tenure = rng.uniform() * 60
            let spend = 20 + rng.uniform() * 80
            let tickets = Double(Int(rng.uniform() * rng.uniform() * 8))
            let plan = plans[Int(rng.uniform() * 3)], region = regions[Int(rng.uniform() * 4)]
            let z = 1.5 - 0.12 * tenure + 0.03 * spend + 0.9 * tickets - (plan == "pro" ? 1.5 : 0) + rng.normal() * 0.3
            let churned = rng.uniform() < 1 / (1 + exp(-z)) ? "yes" : "no"
            text += String(format: "%.1f,%.2f,%.0f,", tenure, spend, tickets) + "\(plan),\(region),\(churned)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The same customers without the `support_tickets` column: a span whose schema breaks.
    static func writeBroken(from path: String) throws -> String {
        let broken = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("customers-broken.csv").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { line -> String in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false)
            fields.remove(at: 2)
            return fields.joined(separator: ",")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: broken, atomically: true, encoding: .utf8)
        return broken
    }
}

/// Uniform and normal draws from the core's SplitMix64: the same file on every machine.
struct DemoRandom {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }

    /// Box–Muller.
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
