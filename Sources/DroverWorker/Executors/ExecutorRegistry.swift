/// The executors a worker offers, by kind.
public struct ExecutorRegistry: Sendable {
    private var byKind: [String: any JobExecutor] = [:]

    public init(_ executors: [any JobExecutor] = []) {
        for e in executors { register(e) }
    }

    /// `noop`, `sleep`, `echo`, `fail`, `fetch`, and the ML kinds (`train`, and the pipeline kinds
    /// `stats`, `features`, `evaluate`, `train-shard`).
    public static var builtins: ExecutorRegistry {
        ExecutorRegistry([NoopExecutor(), SleepExecutor(), EchoExecutor(), FailExecutor(), FetchExecutor(), TrainExecutor(),
                          StatsExecutor(), FeaturesExecutor(), EvaluateExecutor(), TrainShardExecutor()])
    }

    public mutating func register(_ executor: any JobExecutor) {
        byKind[executor.kind] = executor
    }

    public func executor(for kind: String) -> (any JobExecutor)? { byKind[kind] }

    public var kinds: [String] { byKind.keys.sorted() }

    /// Kinds whose executor finishes at once on the socket thread (`isImmediate`).
    public var immediateKinds: Set<String> { Set(byKind.values.filter(\.isImmediate).map(\.kind)) }
}
