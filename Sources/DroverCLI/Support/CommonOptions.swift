import ArgumentParser
import DroverClient
import DroverHTTP
import DroverProtocol
import Foundation
import Logging
import ZeroMQ

/// `--connect`, `--timeout` and the CURVE key files for every command that talks to a coordinator.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Coordinator address (its worker port; clients use the next port). Default: $DROVER_COORDINATOR or tcp://127.0.0.1:5555.",
        valueName: "endpoint"))
    var connect: String?

    @Option(name: .long, help: "Milliseconds to wait for the coordinator to answer.")
    var timeout: Int = 5_000

    @Option(name: .long, help: ArgumentHelp(
        "This worker's or client's CURVE secret key (NAME.key, mode 0600). Default: $DROVER_CURVE_SECRET. Needs --server-key.",
        valueName: "file"))
    var curveSecret: String?

    @Option(name: .long, help: ArgumentHelp(
        "The coordinator's public key (its NAME.pub). Default: $DROVER_SERVER_KEY. Needs --curve-secret.",
        valueName: "file"))
    var serverKey: String?

    private var curveSecretPath: String? { curveSecret ?? environment("DROVER_CURVE_SECRET") }
    private var serverKeyPath: String? { serverKey ?? environment("DROVER_SERVER_KEY") }

    var coordinator: String {
        connect ?? ProcessInfo.processInfo.environment["DROVER_COORDINATOR"] ?? Endpoint.defaultCoordinator
    }

    func validate() throws {
        if let c = connect, !c.contains("://") {
            throw ValidationError("--connect must be a ZeroMQ endpoint such as tcp://127.0.0.1:5555, got '\(c)'")
        }
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of milliseconds") }
        if (curveSecretPath == nil) != (serverKeyPath == nil) {
            throw ValidationError("--curve-secret and --server-key (or DROVER_CURVE_SECRET and DROVER_SERVER_KEY) go together: give both")
        }
    }

    /// The CURVE keys from the files (permission-checked), or `nil` for a plaintext connection.
    func curveKeys() throws(CLIError) -> CurveClientKeys? {
        guard let secretPath = curveSecretPath, let serverPath = serverKeyPath else { return nil }
        let flag = curveSecret != nil ? "--curve-secret" : "DROVER_CURVE_SECRET"
        let serverFlag = serverKey != nil ? "--server-key" : "DROVER_SERVER_KEY"
        return CurveClientKeys(keyPair: try KeyFiles.loadSecret(secretPath, flag: flag),
                               serverPublicKey: try KeyFiles.loadPublic(serverPath, flag: serverFlag))
    }

    func client() throws -> DroverClient {
        try DroverClient(coordinator: coordinator, timeoutMs: timeout, curve: curveKeys())
    }

    private func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
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
            var h = DeferredMetadataLogHandler(StreamLogHandler.standardError(label: name))
            h.logLevel = level
            return h
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
