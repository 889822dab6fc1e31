import ArgumentParser
import DroverClient
import DroverProtocol
import Foundation

/// Writes to stdout/stderr and renders `--json` output consistently across commands.
public enum Output {
    public static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    public static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Pretty, key-sorted JSON on stdout for machine consumers; non-finite numbers as strings
    /// (`droverStrings`) rather than failing the command.
    public static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .droverStrings
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// True when stderr is a terminal: only then do commands draw progress.
    public static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Synchronous twin of `run(_:)` for client commands.
    public static func runSync(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            throw reported(error)
        }
    }

    /// Runs `body`, printing a `CLIError` as `error: …` and exiting with its code.
    @discardableResult
    public static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw reported(error)
        }
    }

    /// Prints a user-facing error (`CLIError`, `ClientError`) and turns it into its exit code;
    /// other errors pass through to ArgumentParser.
    private static func reported(_ error: any Error) -> any Error {
        switch error {
        case let e as CLIError:
            Output.error("error: \(e.description)")
            return e.exitCode
        case let e as ClientError:
            Output.error("error: \(e.description)")
            return e.isInputError ? DroverExit.usage : DroverExit.failure
        default:
            return error
        }
    }
}
