/// The parameter sets of a sweep's trials, in trial order. Pure and seeded: the same spec gives
/// the same trials, so a resumed run plans exactly the trials it started with.
public enum SweepTrials {
    /// Upper bound on trials in one sweep (a grid's product included).
    public static let maxTrials = 10_000

    public static func plan(_ sweep: SweepSpec) -> [[String: String]] {
        switch sweep.method {
        case .grid: grid(sweep.space)
        case .random: random(sweep)
        }
    }

    /// Cartesian product, the last parameter varying fastest (Ray's `grid_search` order).
    static func grid(_ space: [SweepParameter]) -> [[String: String]] {
        var out: [[String: String]] = [[:]]
        for p in space {
            let values = gridValues(p.domain)
            out = out.flatMap { partial in values.map { v in partial.merging([p.name: v]) { _, b in b } } }
        }
        return out
    }

    static func gridValues(_ domain: SweepParameter.Domain) -> [String] {
        switch domain {
        case .choice(let values): values
        case .integer(let low, let high): (low...high).map(String.init)
        case .uniform(let low, let high), .logUniform(let low, let high): [format(low), format(high)]
        }
    }

    static func random(_ sweep: SweepSpec) -> [[String: String]] {
        var rng = SplitMix64(seed: sweep.seed)
        return (0..<sweep.trials).map { _ in
            var trial: [String: String] = [:]
            for p in sweep.space { trial[p.name] = draw(p.domain, &rng) }
            return trial
        }
    }

    static func draw(_ domain: SweepParameter.Domain, _ rng: inout SplitMix64) -> String {
        switch domain {
        case .choice(let values): return values[Int(rng.next() % UInt64(values.count))]
        case .integer(let low, let high): return String(low + Int(rng.next() % UInt64(high - low + 1)))
        case .uniform(let low, let high): return format(low + (high - low) * rng.unit())
        case .logUniform(let low, let high):
            let (a, b) = (log(low), log(high))
            return format(exp(a + (b - a) * rng.unit()))
        }
    }

    /// Shortest text that reads back as the same double.
    static func format(_ v: Double) -> String { "\(v)" }
}

extension SplitMix64 {
    /// Uniform in [0, 1) with 53 bits.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
