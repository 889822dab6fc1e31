import DroverCore
import Foundation

/// The benchmark data of `drover bench distributed` when no CSV is given: `rows` × `features`
/// standard-normal features (4 decimals) and a binary label from a fixed linear score plus an
/// interaction and noise, so neither model is perfect. Deterministic for a seed.
enum SyntheticClassification {
    static func write(to path: String, rows: Int, features: Int, seed: UInt64 = 42) throws {
        var rng = SplitMix64(seed: seed)
        let weights = (0..<features).map(weight)
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let out = FileHandle(forWritingAtPath: path) else {
            throw CLIError("cannot create \(path)", hint: "pass --csv with a writable path or an existing file")
        }
        defer { try? out.close() }
        var text = (0..<features).map { "f\($0)" }.joined(separator: ",") + ",label\n"
        var x = [Double](repeating: 0, count: features)
        for _ in 0..<rows {
            var score = 0.0
            for j in 0..<features {
                x[j] = (gaussian(&rng) * 10_000).rounded() / 10_000
                score += weights[j] * x[j]
                text += x[j].description
                text += ","
            }
            score += features >= 2 ? 0.8 * x[0] * x[1] : 0
            score += 0.5 * gaussian(&rng)
            text += score > 0 ? "1\n" : "0\n"
            if text.utf8.count > 1 << 20 {
                try out.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        try out.write(contentsOf: Data(text.utf8))
    }

    /// Every third feature is noise; the others weigh less the later they come.
    private static func weight(_ j: Int) -> Double {
        if j % 3 == 2 { return 0 }
        let sign: Double = j % 2 == 0 ? 1 : -0.7
        return sign / Double(1 + j / 4)
    }

    /// Box–Muller.
    private static func gaussian(_ rng: inout SplitMix64) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        let v = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
