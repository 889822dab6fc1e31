/// The executors a worker offers, by kind.
public struct ExecutorRegistry: Sendable {
    private var byKind: [String: any JobExecutor] = [:]

    public init(_ executors: [any JobExecutor] = []) {
        for e in executors { register(e) }
    }

    /// `noop`, `sleep`, `echo`, `fail`, and the ML kinds (`train`).
    public static var builtins: ExecutorRegistry {
        ExecutorRegistry([NoopExecutor(), SleepExecutor(), EchoExecutor(), FailExecutor(), TrainExecutor()])
    }

    public mutating func register(_ executor: any JobExecutor) {
        byKind[executor.kind] = executor
    }

    public func executor(for kind: String) -> (any JobExecutor)? { byKind[kind] }

    public var kinds: [String] { byKind.keys.sorted() }
}
