/// LightGBM's categorical split search (`FindBestThresholdCategoricalInner`).
///
/// With at most `maxCatToOnehot` bins (counting the other bin) each category alone is tried
/// as the left child. Otherwise categories with at least `catSmooth` rows are sorted by
/// G/(H + cat_smooth) and scanned from both ends, adding one category at a time to the left
/// set (at most min(max_cat_threshold, (used+1)/2) of them); a point is scored only once
/// `minDataPerGroup` rows were added since the last one, and children use λ + `catL2`. The
/// other bin (NaN, rare and unseen codes) always goes right.
/// Defaults are LightGBM's.
public struct CategoricalSplitter: Sendable, Equatable {
    public var maxCatToOnehot = 4
    public var catSmooth = 10.0
    public var catL2 = 10.0
    public var maxCatThreshold = 32
    public var minDataPerGroup = 100

    public init() {}

    func best(_ v: UnsafeBufferPointer<Double>, feature f: Int, bins fb: FeatureBins,
              leaf: SplitFinder.Leaf, finder: SplitFinder) -> SplitCandidate? {
        let categories = fb.valueBinCount
        guard categories >= 1 else { return nil }
        let parentScore = finder.score(leaf.sumG, leaf.sumH, finder.lambda)
        func count(_ h: Double) -> Int { Int(h * leaf.countPerHessian + 0.5) }
        var best: SplitCandidate?

        func consider(_ left: [Int], _ g: Double, _ h: Double, l2: Double) {
            let (gr, hr) = (leaf.sumG - g, leaf.sumH - h)
            let gain = finder.score(g, h, l2) + finder.score(gr, hr, l2) - parentScore
            guard gain > (best?.gain ?? 0) else { return }
            var set = BinSet()
            left.forEach { set.insert($0) }
            best = SplitCandidate(gain: gain, feature: f, bin: -1, leftBins: set, isCategorical: true,
                                  leftG: g, leftH: h, rightG: gr, rightH: hr, lambda: l2)
        }

        if fb.binCount <= maxCatToOnehot {
            for b in 0..<categories {
                let (g, h) = (v[2 * b], v[2 * b + 1])
                let (lc, rc) = (count(h), leaf.count - count(h))
                if lc < finder.minDataInLeaf || h < finder.minHessian { continue }
                if rc < finder.minDataInLeaf || leaf.sumH - h < finder.minHessian { continue }
                consider([b], g, h, l2: finder.lambda)
            }
            return best
        }

        let l2 = finder.lambda + catL2
        let sorted = (0..<categories).filter { Double(count(v[2 * $0 + 1])) >= catSmooth }
            .map { b in (bin: b, key: v[2 * b] / (v[2 * b + 1] + catSmooth)) }
            .enumerated().sorted { $0.element.key != $1.element.key ? $0.element.key < $1.element.key : $0.offset < $1.offset }
            .map(\.element.bin)
        let used = sorted.count
        let maxLeft = min(maxCatThreshold, (used + 1) / 2)
        for ascending in [true, false] {
            var g = 0.0, h = 0.0, leftCount = 0, group = 0
            var left: [Int] = []
            for i in 0..<min(used, maxLeft) {
                let b = ascending ? sorted[i] : sorted[used - 1 - i]
                left.append(b)
                g += v[2 * b]
                h += v[2 * b + 1]
                let c = count(v[2 * b + 1])
                leftCount += c
                group += c
                if leftCount < finder.minDataInLeaf || h < finder.minHessian { continue }
                let rightCount = leaf.count - leftCount
                if rightCount < finder.minDataInLeaf || rightCount < minDataPerGroup { break }
                if leaf.sumH - h < finder.minHessian { break }
                if group < minDataPerGroup { continue }
                group = 0
                consider(left, g, h, l2: l2)
            }
        }
        return best
    }
}
