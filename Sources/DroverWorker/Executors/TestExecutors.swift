#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `crash`: a poison job for fault tests. After `ms` milliseconds (default 200, so STARTED
/// reaches the coordinator first) it kills the whole worker process with `_exit(134)`, as a
/// job that segfaults or aborts would. Registered only with `drover worker --allow-test-kinds`.
public struct CrashExecutor: JobExecutor {
    public init() {}
    public var kind: String { "crash" }
    public func run(_ job: JobContext) async throws -> [String: Double] {
        let ms = Int(job.params["ms"] ?? "") ?? 200
        try await Task.sleep(for: .milliseconds(max(0, ms)))
        _exit(134)
    }
}

extension ExecutorRegistry {
    /// The built-ins plus the test-only kinds (`crash`).
    public static var withTestKinds: ExecutorRegistry {
        var r = ExecutorRegistry.builtins
        r.register(CrashExecutor())
        return r
    }
}
