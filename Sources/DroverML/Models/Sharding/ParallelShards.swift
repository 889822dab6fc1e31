import Dispatch
import Foundation

/// Runs one closure per shard on up to `threads` threads and returns the results in shard order.
public enum ParallelShards {
    /// Threads used for local shard work by default: one per active core of this machine.
    public static let defaultThreads = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public static func map<T: Sendable>(
        _ count: Int, threads: Int = defaultThreads, _ body: @Sendable (Int) -> T
    ) -> [T] {
        let slots = ResultSlots<T>(count: count)
        if count <= 1 || threads <= 1 {
            for i in 0..<count { slots.set(i, body(i)) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, body(i)) }
        }
        return slots.values()
    }

    /// Runs `body(i)` for each index, in parallel when there is more than one.
    public static func forEach(_ count: Int, threads: Int = defaultThreads, _ body: @Sendable (Int) -> Void) {
        if count <= 1 || threads <= 1 {
            for i in 0..<count { body(i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }
}

/// Write-once result slots filled by `concurrentPerform`.
///
/// `@unchecked Sendable`: each index is written by exactly one iteration, slots never alias,
/// and `values()` is only read after `concurrentPerform` has returned (a full barrier).
private final class ResultSlots<T>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<T?>
    private let count: Int
    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil, count: count)
    }
    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }
    func set(_ i: Int, _ value: T) { storage[i] = value }
    func values() -> [T] { (0..<count).map { storage[$0]! } }
}

/// A mutable buffer that shard tasks write into at disjoint index ranges.
///
/// `@unchecked Sendable`: callers write only inside their own shard's row range, so no two
/// threads touch the same element, and the owner reads only after the parallel call returns.
public final class SharedBuffer<Element>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    public init(repeating value: Element, count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: count)
    }

    public init(_ array: [Element]) {
        count = array.count
        pointer = .allocate(capacity: max(count, 1))
        array.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.initialize(from: base, count: count) }
        }
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }

    public var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
