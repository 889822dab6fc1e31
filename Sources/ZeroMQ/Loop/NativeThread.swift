#if canImport(Glibc)
import Glibc
#endif

/// A joinable POSIX thread running one closure. Used instead of Foundation's `Thread` because it can
/// be joined. Public for the `zmq-bench` target.
public struct NativeThread: Sendable {
    let id: pthread_t

    private final class Entry {
        let body: () -> Void
        init(body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread.
    public static func start(_ body: @escaping @Sendable () -> Void) throws(ZMQError) -> NativeThread {
        let entry = Unmanaged.passRetained(Entry(body: body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let entry = Unmanaged<Entry>.fromOpaque(raw!).takeRetainedValue()
            entry.body()
            return nil
        }, entry)
        guard rc == 0 else {
            Unmanaged<Entry>.fromOpaque(entry).release()
            throw ZMQError(code: rc, operation: "pthread_create")
        }
        return NativeThread(id: tid)
    }

    /// Waits for the thread to finish. Call exactly once (or ``detach()``).
    public func join() { _ = pthread_join(id, nil) }

    func detach() { _ = pthread_detach(id) }

    var isCurrent: Bool { pthread_equal(id, pthread_self()) != 0 }
}
