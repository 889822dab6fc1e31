import Foundation

/// Test-only fault injection in the runner, from `DROVER_FAILPOINT` (comma-separated, beside the
/// coordinator's own points):
///
/// * `pipeline-hold-before:ACTION` — the runner's thread stops for good just before performing
///   ACTION (`decide`), so a test can `kill -9` the process at that point of a run, knowing
///   where it is from observable state (the step is `deciding` in the metadata store).
/// * `pipeline-crash-after:ACTION` — `_exit(137)` right after ACTION was performed (for
///   `decide`: the registry committed the verdict and the alias move) and before the planner
///   event recording it was stored: the window a resumed run must not promote twice.
///
/// * `pipeline-unrecorded-from:STEP` — from the report of STEP's first finished job on, the
///   runner's metadata events are dropped, as the store's writer loses what it had not committed
///   when the process dies (with `pipeline-crash-after:decide`: a run whose last step's attempts
///   a resumed run must record).
///
/// The trigger journal's points (docs/pipelines.md, "Trigger decisions"): `trigger-span-journaled`
/// (an ingested span journaled, not committed), `trigger-decide` (before a span's decision) and
/// `trigger-run-stored` (a triggered run stored, its decision not journaled).
///
/// Each point fires once per process.
struct PipelineFailpoint: Sendable {
    let holdBefore: String?
    let crashAfter: String?
    let unrecordedFrom: String?

    init(environment value: String? = ProcessInfo.processInfo.environment["DROVER_FAILPOINT"]) {
        var points: [String: String] = [:]
        for part in (value ?? "").split(separator: ",") {
            let pair = part.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { points[String(pair[0])] = String(pair[1]) }
        }
        holdBefore = points["pipeline-hold-before"]
        crashAfter = points["pipeline-crash-after"]
        unrecordedFrom = points["pipeline-unrecorded-from"]
    }

    func before(_ action: String) {
        guard holdBefore == action else { return }
        FileHandle.standardError.write(Data("failpoint: pipeline runner holding before \(action)\n".utf8))
        while true { pause() }
    }

    func after(_ action: String) {
        guard crashAfter == action else { return }
        FileHandle.standardError.write(Data("failpoint: pipeline runner crashing after \(action)\n".utf8))
        _exit(137)
    }
}
