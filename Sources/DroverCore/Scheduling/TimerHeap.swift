/// A min-heap of (due time, job id): retry-wait ends and attempt deadlines.
/// Entries are lazily invalidated: the caller checks the job still waits for that time.
public struct TimerHeap: Sendable {
    private var heap: [(due: Int64, id: UInt64)] = []

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    public var nextDue: Int64? { heap.first?.due }

    public mutating func push(due: Int64, id: UInt64) {
        heap.append((due, id))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].due < heap[parent].due else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns every entry due at or before `now`.
    public mutating func popDue(now: Int64) -> [(due: Int64, id: UInt64)] {
        var out: [(due: Int64, id: UInt64)] = []
        while let top = heap.first, top.due <= now {
            out.append(top)
            removeTop()
        }
        return out
    }

    private mutating func removeTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].due < heap[m].due { m = l }
            if r < heap.count, heap[r].due < heap[m].due { m = r }
            guard m != i else { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
