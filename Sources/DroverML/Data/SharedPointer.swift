/// A raw pointer handed to `DispatchQueue.concurrentPerform` workers.
///
/// `@unchecked Sendable` is safe because every user of it (CSV parsing, per-column drift)
/// lets each worker read shared immutable memory and write only its own disjoint slice, and the
/// owner reads the results only after `concurrentPerform` returns (which is a barrier).
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}
