import ArgumentParser

/// Exit codes every `drover` command follows (DEVELOPERS.md):
/// 0 success, 1 failure, 2 usage or input error, 3 a negative verdict
/// (anomalies found, candidate not promoted).
public enum DroverExit {
    public static let success = ExitCode(0)
    public static let failure = ExitCode(1)
    public static let usage = ExitCode(2)
    public static let negativeVerdict = ExitCode(3)
}

/// A user-facing error: what was wrong, where, and what to do. Printed as
/// `error: <message>` (plus `hint: <hint>`) on stderr and mapped to an exit code at the edge.
public struct CLIError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public var exitCode: ExitCode
    /// The error this one reports, when it wraps one (e.g. a `CoordinatorError`).
    public var cause: (any Error)?

    public init(_ message: String, hint: String? = nil, exitCode: ExitCode = DroverExit.failure, cause: (any Error)? = nil) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
        self.cause = cause
    }

    /// Bad input from the user (file, flag, value): exit code 2.
    public static func input(_ message: String, hint: String? = nil) -> CLIError {
        CLIError(message, hint: hint, exitCode: DroverExit.usage)
    }

    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }
}
