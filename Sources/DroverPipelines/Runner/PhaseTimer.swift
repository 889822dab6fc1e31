import Logging

/// How long the runner's thread spends on each phase of a run (`--log-level debug`: one
/// `pipeline.phase` line per phase with the run, the phase and its milliseconds). This is the
/// overhead between a step's jobs; `bench/pipeline/pipeline_bench.py --trace` sums it per phase.
struct PhaseTimer {
    let logger: Logger

    /// A start time, or nil when debug lines are not logged (then timing costs nothing).
    func start() -> ContinuousClock.Instant? {
        logger.logLevel <= .debug ? .now : nil
    }

    func end(_ started: ContinuousClock.Instant?, _ phase: String, run: String) {
        guard let started else { return }
        let d = ContinuousClock.now - started
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        logger.debug("pipeline.phase", metadata: ["run.id": "\(run)", "phase": "\(phase)", "ms": "\(ms)"])
    }
}
