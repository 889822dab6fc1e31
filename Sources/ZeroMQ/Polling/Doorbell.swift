import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// An eventfd that wakes a thread blocked in ``ZMQPoller/poll(timeoutMs:)``.
///
/// ``ring()`` is safe from any thread or task (a `write(2)` of 8 bytes to an eventfd is atomic) and
/// never blocks; rings coalesce until the owner calls ``drain()``. The fd is closed in `deinit`, i.e.
/// only when no thread can ring any more, so a ring never hits a closed (or reused) descriptor.
public final class Doorbell: Sendable {
    /// Register this with the poller for `.readable`.
    public let fileDescriptor: Int32

    public init() throws(ZMQError) {
        let fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw ZMQError(code: errno, operation: "eventfd") }
        fileDescriptor = fd
    }

    deinit { _ = Glibc.close(fileDescriptor) }

    /// Wakes the poller. Never blocks: if the counter is saturated (`EAGAIN`) the bell is already ringing.
    public func ring() {
        var one: UInt64 = 1
        while write(fileDescriptor, &one, MemoryLayout<UInt64>.size) < 0 && errno == EINTR {}
    }

    /// Resets the bell; call on the owner thread after the poller reported it readable, then process
    /// all pending work (rings that arrive after the drain wake the next poll).
    /// - Returns: whether it had been rung.
    @discardableResult
    public func drain() -> Bool {
        var value: UInt64 = 0
        while true {
            let n = read(fileDescriptor, &value, MemoryLayout<UInt64>.size)
            if n == MemoryLayout<UInt64>.size { return true }
            if n < 0 && errno == EINTR { continue }
            return false // EAGAIN: not rung
        }
    }
}
