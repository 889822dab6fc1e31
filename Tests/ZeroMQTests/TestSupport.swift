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

import Synchronization

/// A one-shot event a test task can await with a deadline (no sleeping as synchronisation: the wait
/// ends when the event fires; the sleep only bounds a failing test).
final class Signal: Sendable {
    private struct State {
        var fired = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextId: UInt64 = 0
    }
    private let state = Mutex(State())

    func fire() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.fired = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    var hasFired: Bool { state.withLock { $0.fired } }

    /// True if the signal fired within `timeout`.
    func wait(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilFiredOrCancelled(); return self.hasFired }
            group.addTask { try? await Task.sleep(for: timeout); return self.hasFired }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func waitUntilFiredOrCancelled() async {
        let id = state.withLock { s -> UInt64 in s.nextId += 1; return s.nextId }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.fired || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
