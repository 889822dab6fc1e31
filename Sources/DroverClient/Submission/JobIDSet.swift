import DroverProtocol

/// A set of job ids tuned for what a coordinator hands out: dense, increasing ranges. Ids near
/// the first one inserted live in a bitmap (one bit each, no hashing: a million ids cost
/// 125 KB); others fall back to a hash set.
struct JobIDSet {
    private var base: JobID?
    private var words: [UInt64] = []
    private var sparse: Set<JobID> = []
    private(set) var count = 0

    /// Ids further than this from the first one go to the hash set (bounds the bitmap at 8 MiB).
    private static let maxDenseSpan: JobID = 64 << 20

    var isEmpty: Bool { count == 0 }

    private func slot(_ id: JobID) -> (word: Int, bit: UInt64)? {
        guard let base, id >= base, id - base < Self.maxDenseSpan else { return nil }
        let offset = Int(id - base)
        return (offset >> 6, 1 << UInt64(offset & 63))
    }

    /// Inserts `id`; false if it was already there.
    @discardableResult
    mutating func insert(_ id: JobID) -> Bool {
        if base == nil { base = id }
        guard let (word, bit) = slot(id) else {
            let inserted = sparse.insert(id).inserted
            if inserted { count += 1 }
            return inserted
        }
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: max(word + 1 - words.count, words.count))) }
        guard words[word] & bit == 0 else { return false }
        words[word] |= bit
        count += 1
        return true
    }

    /// Removes `id`; false if it was not there.
    @discardableResult
    mutating func remove(_ id: JobID) -> Bool {
        guard let (word, bit) = slot(id) else {
            let removed = sparse.remove(id) != nil
            if removed { count -= 1 }
            return removed
        }
        guard word < words.count, words[word] & bit != 0 else { return false }
        words[word] &= ~bit
        count -= 1
        return true
    }

    func contains(_ id: JobID) -> Bool {
        guard let (word, bit) = slot(id) else { return sparse.contains(id) }
        return word < words.count && words[word] & bit != 0
    }

    /// Every id, ascending within the bitmap, then the others.
    var elements: [JobID] {
        var out: [JobID] = []
        out.reserveCapacity(count)
        if let base {
            for (w, word) in words.enumerated() where word != 0 {
                var bits = word
                while bits != 0 {
                    let b = bits.trailingZeroBitCount
                    out.append(base + JobID(w << 6 + b))
                    bits &= bits - 1
                }
            }
        }
        out.append(contentsOf: sparse.sorted())
        return out
    }
}
