import Foundation

/// The time the trigger's rules use: the system clock, or — for tests only — the milliseconds
/// since the epoch written in the file `DROVER_TEST_CLOCK` names, so that a test moves time
/// past a schedule's instant instead of waiting for it. With a test clock the schedule is
/// checked whenever the file's time changes (`LoopState.scheduleDue`).
struct TriggerClock: Sendable {
    let file: String?

    init(environment value: String? = ProcessInfo.processInfo.environment["DROVER_TEST_CLOCK"]) {
        file = value.flatMap { $0.isEmpty ? nil : $0 }
    }

    func nowMs() -> Int64 {
        guard let file else { return PipelineRunner.nowMs() }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let ms = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return PipelineRunner.nowMs()
        }
        return ms
    }
}
