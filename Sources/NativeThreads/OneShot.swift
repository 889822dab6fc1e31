import Synchronization

/// A value set once by any thread and awaited by any number of tasks, without blocking a
/// cooperative thread. Used to hand "ready"/"stopped" from a socket thread (or a server) to async code.
public final class OneShot<Value: Sendable>: Sendable {
    private struct State: ~Copyable {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Sets the value (the first call wins) and wakes every waiter.
    public func resolve(_ value: Value) {
        let waiters = state.withLock { s -> [CheckedContinuation<Value, Never>] in
            guard s.value == nil else { return [] }
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    public func value() async -> Value {
        await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
            let ready = state.withLock { s -> Value? in
                if let v = s.value { return v }
                s.waiters.append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
