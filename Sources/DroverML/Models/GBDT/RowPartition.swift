extension BinnedData {
    /// Reorders `rows[segment]` so the rows whose bin of `feature` is in `left` come first, each
    /// side in its old order, and returns how many went left. `scratch` (at least
    /// `segment.count` slots) holds the right side meanwhile. Branch-free: each row is written
    /// to both sides and one cursor advances (a split sends rows either way unpredictably).
    func partition(_ rows: UnsafeMutablePointer<UInt32>, _ segment: Range<Int>, scratch: UnsafeMutablePointer<UInt32>,
                   feature: Int, left: BinSet) -> Int {
        var l = segment.lowerBound, rc = 0
        binsByColumn.withUnsafeBufferPointer { b in
            let column = b.baseAddress! + feature &* rowCount
            for k in segment {
                let r = rows[k]
                let goesLeft = left.contains(column[Int(r)])
                rows[l] = r  // l ≤ k: never a row not read yet
                scratch[rc] = r
                l &+= goesLeft ? 1 : 0
                rc &+= goesLeft ? 0 : 1
            }
        }
        (rows + l).update(from: scratch, count: rc)
        return l - segment.lowerBound
    }
}
