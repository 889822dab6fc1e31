import Dispatch
import Testing
@testable import ZeroMQ

/// Runs `body` on a fresh thread and waits for it with a deadline: a test that would hang fails
/// instead. Returns nil on timeout. (libzmq calls must not block the cooperative pool.)
func onThread<T: Sendable>(deadline: Duration = .seconds(10), _ body: @escaping @Sendable () throws -> T) throws -> T? {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    DispatchQueue.global().async {
        box.set(Result { try body() })
        done.signal()
    }
    let (s, a) = deadline.components
    let wait = done.wait(timeout: .now() + .nanoseconds(Int(s) * 1_000_000_000 + Int(a / 1_000_000_000)))
    guard wait == .success else { return nil }
    return try box.get()
}

/// A write-once result shared between a worker thread and the waiting test.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is written once before the semaphore is signalled and read only
    // after the wait succeeded; the semaphore provides the happens-before edge.
    private var value: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { value = r }
    func get() throws -> T { try value!.get() }
}

/// Receives with a bounded blocking wait (poll then receive) so tests never hang.
func receive(_ socket: ZMQSocket, timeoutMs: Int = 2000) throws -> [[UInt8]]? {
    let poller = ZMQPoller()
    try poller.add(socket)
    guard try poller.poll(timeoutMs: timeoutMs) > 0 else { return nil }
    return try socket.receive(dontWait: true)
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
