/// Counts of values in consecutive bins `[edges[i], edges[i+1])` (the last bin is closed).
public struct Histogram: Codable, Sendable, Equatable {
    public var edges: [Double]
    public var counts: [Double]

    public init(edges: [Double], counts: [Double]) {
        self.edges = edges
        self.counts = counts
    }

    /// `bins` equal-width edges over `range`, computed as numpy `linspace` does
    /// (`lo + i·(width/bins)`, last edge exactly `hi`), so bin counts match `np.histogram`.
    public static func equalWidthEdges(bins: Int, range: ClosedRange<Double>) -> [Double] {
        let b = max(1, bins)
        let step = (range.upperBound - range.lowerBound) / Double(b)
        return (0...b).map { i in i == b ? range.upperBound : range.lowerBound + Double(i) * step }
    }

    /// Exact histogram of finite `values` over sorted `edges`; values outside are dropped.
    public static func exact<C: Collection>(_ values: C, edges: [Double]) -> Histogram where C.Element == Double {
        var counts = [Double](repeating: 0, count: max(0, edges.count - 1))
        guard edges.count >= 2, let first = edges.first, let last = edges.last else { return Histogram(edges: edges, counts: counts) }
        for x in values where x >= first && x <= last {
            var lo = 0, hi = edges.count - 1 // invariant: edges[lo] ≤ x < edges[hi] (or x == last)
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if x < edges[mid] { hi = mid } else { lo = mid }
            }
            counts[lo] += 1
        }
        return Histogram(edges: edges, counts: counts)
    }
}

extension QuantileSketch {
    /// A histogram over `edges` estimated from the sketch (counts within its rank-error bound).
    /// The first bin also counts values equal to the lowest edge.
    public func histogram(edges: [Double]) -> Histogram {
        guard edges.count >= 2 else { return Histogram(edges: edges, counts: []) }
        var counts: [Double] = []
        var previous = 0.0
        for (i, edge) in edges.enumerated().dropFirst() {
            let below = i == edges.count - 1 ? rank(edge) : rankBelow(edge)
            counts.append(max(0, below - previous))
            previous = below
        }
        let belowFirst = rankBelow(edges[0])
        counts[0] = max(0, counts[0] - belowFirst)
        return Histogram(edges: edges, counts: counts)
    }

    /// Estimated number of values < x.
    func rankBelow(_ x: Double) -> Double {
        var total = 0.0
        for (h, items) in levels.enumerated() {
            let weight = Double(1 << h)
            for item in items where item < x { total += weight }
        }
        return total
    }
}
