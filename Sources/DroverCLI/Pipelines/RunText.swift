import DroverProtocol
import Foundation

/// A step's progress line for `drover run --wait`.
enum RunText {
    static func stepLine(_ s: StepInfo) -> String {
        var line = "\(s.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.status)"
        if s.jobs > 0 { line += " \(s.jobsDone)/\(s.jobs) job\(s.jobs == 1 ? "" : "s")" }
        if let from = s.cachedFrom { line += " (from cache: same inputs, parameters and code as run \(from))" }
        if let a = s.startedAtMs, let b = s.endedAtMs { line += String(format: " in %.2f s", Double(b - a) / 1000) }
        if let m = s.message, s.status != "succeeded" { line += " — \(m)" }
        return line
    }
}
