#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DroverStore

/// Test-only fault injection, read once from the environment at start-up
/// (`DROVER_FAILPOINT`, comma-separated):
///
/// * `crash-after-commit:N` — `_exit(137)` right after the Nth journal commit and before sending
///   anything that commit covers: the window between "durable" and "acknowledged".
/// * `fail-commit:N` — the Nth commit fails as an I/O error would (the coordinator must stop
///   without sending anything more; later commits would succeed, so a leak would show).
/// * `crash-in-snapshot:STEP` — `_exit(137)` inside a journal compaction at STEP
///   (`written`: snapshot file written, not yet renamed; `renamed`: renamed, old journal rows
///   not yet truncated).
///
/// Unset (the default) costs one integer comparison per commit.
struct Failpoint {
    /// Commit number after which to crash; 0 = never.
    private let crashAfterCommit: Int
    /// Commit number that fails; 0 = never.
    private let failCommit: Int
    /// Compaction step at which to crash.
    let crashInSnapshot: String?
    private var commits = 0
    private var attempts = 0

    init(environment value: String? = Failpoint.environmentValue) {
        let points = Failpoint.parse(value)
        crashAfterCommit = Int(points["crash-after-commit"] ?? "") ?? 0
        failCommit = Int(points["fail-commit"] ?? "") ?? 0
        crashInSnapshot = points["crash-in-snapshot"]
    }

    static var environmentValue: String? {
        guard let raw = getenv("DROVER_FAILPOINT") else { return nil }
        return String(cString: raw)
    }

    /// `name:value,name:value` → [name: value]; malformed parts are ignored.
    static func parse(_ value: String?) -> [String: String] {
        var out: [String: String] = [:]
        for part in (value ?? "").split(separator: ",") {
            let pair = part.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { out[String(pair[0])] = String(pair[1]) }
        }
        return out
    }

    /// Call before every journal commit; throws the injected failure at the configured one.
    mutating func beforeCommit(path: String) throws(JournalError) {
        guard failCommit > 0 else { return }
        attempts += 1
        if attempts == failCommit {
            throw .write(path: path, operation: "COMMIT", failure: .init(
                kind: .ioError, code: 10, message: "disk I/O error injected by DROVER_FAILPOINT=fail-commit:\(failCommit)"))
        }
    }

    /// Call after every successful journal commit; exits the process at the configured one.
    mutating func afterCommit() {
        guard crashAfterCommit > 0 else { return }
        commits += 1
        if commits == crashAfterCommit { Failpoint.crash("crash-after-commit:\(commits)") }
    }

    /// Exits at once, as kill -9 would, after a note on stderr.
    static func crash(_ what: String) -> Never {
        let note = "drover: failpoint \(what) hit\n"
        _ = note.withCString { write(2, $0, strlen($0)) }
        _exit(137)
    }
}
