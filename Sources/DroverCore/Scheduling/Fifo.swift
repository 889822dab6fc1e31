/// A FIFO of job ids: amortised O(1) push and pop, storage compacted as the head advances.
public struct Fifo: Sendable {
    private var items: [UInt64] = []
    private var head = 0

    public init() {}

    public var isEmpty: Bool { head == items.count }
    public var count: Int { items.count - head }
    public var first: UInt64? { isEmpty ? nil : items[head] }

    public mutating func push(_ id: UInt64) { items.append(id) }

    public mutating func pop() -> UInt64? {
        guard head < items.count else { return nil }
        let id = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: items.count < 65_536)
            head = 0
        } else if head >= 4096, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return id
    }
}
