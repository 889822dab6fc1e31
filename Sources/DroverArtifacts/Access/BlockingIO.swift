import Foundation

/// Runs blocking file work on a thread of its own and awaits it, so async callers never block
/// Swift's cooperative pool.
public enum BlockingIO {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}

/// Unique temporary file paths under `$TMPDIR` (default /tmp).
enum TemporaryFile {
    static func path(prefix: String) -> String {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return "\(dir)/\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }
}
