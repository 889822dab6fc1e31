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
}

/// SplitMix64 with uniform and normal draws: the same file on every machine.
struct DemoRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Box–Muller.
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
