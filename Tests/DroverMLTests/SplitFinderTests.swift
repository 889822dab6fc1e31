import Testing
@testable import DroverML

/// The numeric split search (four thresholds per step in SIMD lanes) against the rule written out
/// one candidate at a time: thresholds in order, missing right before missing left, the first
/// strictly best gain, a stop after the first threshold whose right child no longer fits.
struct SplitFinderTests {
    /// The rule, scalar, straight from `SplitFinder`'s documentation.
    static func reference(_ v: [Double], bins fb: FeatureBins, leaf: SplitFinder.Leaf, finder: SplitFinder)
        -> (gain: Double, bin: Int, missingLeft: Bool, leftG: Double, leftH: Double)? {
        let valueBins = fb.valueBinCount
        let (gm, hm) = fb.missingBin.map { (v[2 * $0], v[2 * $0 + 1]) } ?? (0, 0)
        let hasMissing = hm > 0
        guard valueBins > 1 || hasMissing else { return nil }
        let score = { (g: Double, h: Double) in g * g / (h + finder.lambda) }
        var best: (gain: Double, bin: Int, missingLeft: Bool, leftG: Double, leftH: Double)?
        var gl = 0.0, hl = 0.0
        for b in 0..<valueBins {
            gl += v[2 * b]
            hl += v[2 * b + 1]
            if b == valueBins - 1 && !hasMissing { break }
            var rightFits = false
            for missingLeft in hasMissing ? [false, true] : [false] {
                let (g, h) = missingLeft ? (gl + gm, hl + hm) : (gl, hl)
                let leftCount = Int(h * leaf.countPerHessian + 0.5)
                let (gr, hr) = (leaf.sumG - g, leaf.sumH - h)
                if leaf.count - leftCount < finder.minDataInLeaf || hr < finder.minHessian { continue }
                if !missingLeft { rightFits = true }
                if leftCount < finder.minDataInLeaf || h < finder.minHessian { continue }
                let gain = score(g, h) + score(gr, hr) - score(leaf.sumG, leaf.sumH)
                if gain > (best?.gain ?? 0) { best = (gain, b, missingLeft, g, h) }
            }
            if !rightFits { break }
        }
        return best
    }

    @Test("numeric split search: the same split as the rule, one candidate at a time, on 3,000 random histograms")
    func sameSplitAsTheRule() {
        var rng = SplitMix64(seed: 2026)
        var checked = 0, found = 0, missingLeftFound = 0
        for trial in 0..<3000 {
            let valueBins = 1 + Int(rng.next() % 40)  // odd counts exercise the last, partial group of four
            let hasMissingBin = rng.next() % 2 == 0
            let bins = FeatureBins(upperBounds: (0..<(valueBins - 1)).map(Double.init), hasMissingBin: hasMissingBin)
            var v: [Double] = []
            var sumG = 0.0, sumH = 0.0, rows = 0
            for b in 0..<bins.binCount {
                // Some empty bins, some ties (equal gradients), hessians of 1 per row.
                let n = rng.next() % 5 == 0 ? 0 : Int(rng.next() % 60)
                let g = trial % 7 == 0 ? Double(n) * 0.5 : Double(Int(rng.next() % 200) - 100) / 10 * Double(n) / 10
                let isMissing = hasMissingBin && b == bins.valueBinCount
                let (gg, hh) = isMissing && trial % 3 == 0 ? (0.0, 0.0) : (g, Double(n))
                v += [gg, hh]
                (sumG, sumH, rows) = (sumG + gg, sumH + hh, rows + Int(hh))
            }
            guard sumH > 0 else { continue }
            let finder = SplitFinder(lambda: Double(trial % 3), minDataInLeaf: [1, 5, 20][trial % 3])
            let leaf = SplitFinder.Leaf(sumG: sumG, sumH: sumH, count: rows)
            let expected = Self.reference(v, bins: bins, leaf: leaf, finder: finder)
            var hist = HistogramPartial(featureCount: 1, binStride: bins.binCount)
            (hist.rows, hist.values) = (rows, v)
            let got = finder.best(hist, features: [bins], sumG: sumG, sumH: sumH, count: rows)
            checked += 1
            if rows < 2 * finder.minDataInLeaf { #expect(got == nil); continue }
            #expect(got?.gain == expected?.gain, "trial \(trial): \(String(describing: got)) vs \(String(describing: expected))")
            #expect(got?.bin == expected?.bin, "trial \(trial)")
            #expect(got?.leftG == expected?.leftG && got?.leftH == expected?.leftH, "trial \(trial)")
            if let e = expected, let got {
                found += 1
                let goesLeft = hm(v, bins) > 0 ? e.missingLeft : Int(e.leftH * leaf.countPerHessian + 0.5) * 2 > rows
                #expect(got.missingLeft == goesLeft, "trial \(trial)")
                if got.missingLeft && hm(v, bins) > 0 { missingLeftFound += 1 }
            }
        }
        // The draw reached every branch: splits found, some sending missing rows left.
        #expect(checked > 2500 && found > 1000 && missingLeftFound > 100, "\(checked) \(found) \(missingLeftFound)")
    }

    private func hm(_ v: [Double], _ bins: FeatureBins) -> Double { bins.missingBin.map { v[2 * $0 + 1] } ?? 0 }
}
