#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable POSIX thread running one closure. Used instead of Foundation's `Thread` because it can
/// be joined and its creation failure is reported instead of trapping.
public struct NativeThread: Sendable {
    public let id: pthread_t

    private final class Entry {
        let body: () -> Void
        init(body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread with an 8 MiB stack (training recurses and keeps large frames;
    /// the default secondary-thread stack of some platforms is 512 KiB).
    public static func start(_ body: @escaping @Sendable () -> Void) throws(ThreadStartError) -> NativeThread {
        let entry = Unmanaged.passRetained(Entry(body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 8 << 20)
        #if canImport(Glibc)
        var tid = pthread_t()
        #else
        var tid: pthread_t?
        #endif
        let rc = pthread_create(&tid, &attributes, { raw in
            let entry = Unmanaged<Entry>.fromOpaque(raw!).takeRetainedValue()
            entry.body()
            return nil
        }, entry)
        guard rc == 0 else {
            Unmanaged<Entry>.fromOpaque(entry).release()
            throw ThreadStartError(code: rc)
        }
        #if canImport(Glibc)
        return NativeThread(id: tid)
        #else
        return NativeThread(id: tid!)
        #endif
    }

    /// Waits for the thread to finish. Call exactly once (or ``detach()``).
    public func join() { _ = pthread_join(id, nil) }

    public func detach() { _ = pthread_detach(id) }

    public var isCurrent: Bool { pthread_equal(id, pthread_self()) != 0 }
}

/// `pthread_create` failed (`EAGAIN`: the process or system thread limit is reached).
public struct ThreadStartError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public init(code: Int32) { self.code = code }
    public var description: String {
        "cannot start a thread: \(String(cString: strerror(code))) (errno \(code)); lower the number of parallel jobs or raise the thread limit (ulimit -u)"
    }
}
