#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thread that created a thread-confined object. Checked with `assert`, so the cost is zero in
/// release builds (STYLE #8; NIOLoopBound / GRDB `checkIsolated()` do the same).
struct OwnerThread {
    private let thread: pthread_t

    /// Records the calling thread.
    init() { thread = pthread_self() }

    var isCurrent: Bool { pthread_equal(thread, pthread_self()) != 0 }

    @inline(__always)
    func check(_ what: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        assert(isCurrent, "\(what()) used off its owner thread", file: file, line: line)
    }
}
