/// Reusable sort buffers for one drift worker thread: sorted reference, sorted current and radix
/// scratch, each with huge pages. Reusing them across columns avoids ~8,000 page faults per
/// 500k-row column pair (three fresh 4 MB arrays per side otherwise).
struct SortWorkspace {
    let capacity: Int
    let reference: HugePageBuffer<Double>
    let current: HugePageBuffer<Double>
    let scratch: HugePageBuffer<UInt64>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        reference = HugePageBuffer(capacity: self.capacity)
        current = HugePageBuffer(capacity: self.capacity)
        scratch = HugePageBuffer(capacity: self.capacity)
    }

    func free() {
        reference.free()
        current.free()
        scratch.free()
    }
}
