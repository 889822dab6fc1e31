#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Test-only crash injection, read once from the environment at start-up.
///
/// `DROVER_FAILPOINT=crash-after-commit:N` makes the coordinator `_exit(137)` right after its
/// Nth journal commit and before sending anything that commit covers: the window between
/// "durable" and "acknowledged" that a real crash can hit. Unset (the default) costs one
/// integer comparison per commit.
struct Failpoint {
    /// Commit number after which to crash; 0 = never.
    private let crashAfterCommit: Int
    private var commits = 0

    init(environment value: String? = Failpoint.environmentValue) {
        crashAfterCommit = Failpoint.parse(value)
    }

    static var environmentValue: String? {
        guard let raw = getenv("DROVER_FAILPOINT") else { return nil }
        return String(cString: raw)
    }

    /// `crash-after-commit:N` → N (N ≥ 1); anything else → 0 (disabled).
    static func parse(_ value: String?) -> Int {
        guard let value, value.hasPrefix("crash-after-commit:"),
              let n = Int(value.dropFirst("crash-after-commit:".count)), n > 0 else { return 0 }
        return n
    }

    /// Call after every successful journal commit; exits the process at the configured one.
    mutating func afterCommit() {
        guard crashAfterCommit > 0 else { return }
        commits += 1
        if commits == crashAfterCommit {
            let note = "drover: failpoint crash-after-commit:\(commits) hit\n"
            _ = note.withCString { write(2, $0, strlen($0)) }
            _exit(137)
        }
    }
}
