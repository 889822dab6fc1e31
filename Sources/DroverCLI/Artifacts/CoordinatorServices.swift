import DroverArtifacts
import DroverCoordinator
import DroverHTTP
import DroverPipelines
import Logging
import ServiceLifecycle

/// The services of a coordinator process: the coordinator, the pipeline runner and, beside them,
/// the artifact server over the runner's store (the data directory's). Composed here so the
/// coordinator never imports HTTP.
struct CoordinatorServices {
    let coordinator: CoordinatorService
    let runner: PipelineRunner
    let artifactServer: ArtifactServer?

    /// `options` gets the runner attached (and its CURVE client key when CURVE is on).
    init(options: inout CoordinatorOptions, flags: CoordinatorFlags, logger: Logger) throws {
        runner = try PipelineComposition.attach(to: &options, logger: logger)
        coordinator = CoordinatorService(options: options, logger: logger)
        do {
            artifactServer = try flags.artifactServer.server(bind: options.workerEndpoint, store: runner.artifacts, logger: logger)
        } catch {
            throw CLIError("\(error)", hint: "check --artifacts-bind", cause: error)
        }
    }

    /// In the order they start (and stop in reverse): the coordinator first.
    var services: [any Service] { [coordinator, runner] + (artifactServer.map { [$0] } ?? []) }

    /// What in-process workers use: the store itself (same machine, nothing to transfer).
    var localArtifacts: any ArtifactAccess { LocalArtifacts(store: runner.artifacts) }

    /// Waits until everything listens; the addresses, for printing.
    func waitUntilReady() async throws -> String {
        let endpoints = try await coordinator.waitUntilReady()
        guard let artifactServer else { return endpoints + ", no artifact server" }
        return endpoints + ", artifacts \(try await artifactServer.waitUntilReady())"
    }
}
