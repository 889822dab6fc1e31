import ArgumentParser
import DroverCoordinator
import Foundation
import Logging

/// `--connect` and `--timeout` for every command that talks to a coordinator.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Coordinator address (its worker port; clients use the next port). Default: $DROVER_COORDINATOR or tcp://127.0.0.1:5555.",
        valueName: "endpoint"))
    var connect: String?

    @Option(name: .long, help: "Milliseconds to wait for the coordinator to answer.")
    var timeout: Int = 5_000

    var coordinator: String {
        connect ?? ProcessInfo.processInfo.environment["DROVER_COORDINATOR"] ?? Endpoint.defaultCoordinator
    }

    func validate() throws {
        if let c = connect, !c.contains("://") {
            throw ValidationError("--connect must be a ZeroMQ endpoint such as tcp://127.0.0.1:5555, got '\(c)'")
        }
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of milliseconds") }
    }

    func client() throws -> CoordinatorClient {
        try CoordinatorClient(coordinator: coordinator, timeoutMs: timeout)
    }
}

/// `--json` for machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of a table.")
    var json = false
}

/// `--log-level` for long-running services; logging is bootstrapped once, here.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["DROVER_LOG"] ?? "info"

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func bootstrap(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { name in
            var h = StreamLogHandler.standardError(label: name)
            h.logLevel = level
            return h
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
