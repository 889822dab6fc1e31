/// `noop`: succeeds at once with no metrics (dispatch benchmarks).
public struct NoopExecutor: JobExecutor {
    public init() {}
    public var kind: String { "noop" }
    public var isImmediate: Bool { true }
    public func runImmediately(_ job: JobContext) throws -> [String: Double] { [:] }
}

/// `echo`: succeeds at once, reporting every numeric parameter as a metric.
public struct EchoExecutor: JobExecutor {
    public init() {}
    public var kind: String { "echo" }
    public var isImmediate: Bool { true }
    public func runImmediately(_ job: JobContext) throws -> [String: Double] {
        var metrics: [String: Double] = [:]
        for (k, v) in job.params { if let d = Double(v) { metrics[k] = d } }
        return metrics
    }
}

/// `fail`: always fails with `message` (default "requested failure"), for retry tests.
public struct FailExecutor: JobExecutor {
    public init() {}
    public var kind: String { "fail" }
    public var isImmediate: Bool { true }
    public func runImmediately(_ job: JobContext) throws -> [String: Double] {
        throw JobFailure(job.params["message"] ?? "requested failure")
    }
}

/// `sleep`: waits `ms` milliseconds, then succeeds with metric `slept_ms`. Cancellable: it looks at
/// the attempt's token at least every 50 ms and ends at once on task cancellation.
public struct SleepExecutor: JobExecutor {
    public init() {}
    public var kind: String { "sleep" }
    public func run(_ job: JobContext) async throws -> [String: Double] {
        guard let ms = Int(try job.require("ms")), ms >= 0 else {
            throw JobFailure("sleep: parameter 'ms' must be a whole number of milliseconds ≥ 0")
        }
        let end = ContinuousClock.now + .milliseconds(ms)
        while ContinuousClock.now < end {
            try job.cancellation.check()
            try await Task.sleep(for: min(end - ContinuousClock.now, .milliseconds(50)))
        }
        try job.cancellation.check()
        return ["slept_ms": Double(ms)]
    }
}
