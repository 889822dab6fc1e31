import DroverCoordinator
import DroverPipelines
import DroverProtocol
import Logging
import ZeroMQ

/// Adds the pipeline runner to a coordinator process (`drover coordinator`, `up`, `demo`):
/// the runner answers the coordinator's `run.*` and `dataset.add` requests and talks to it as a
/// client — with a CURVE key of its own, allowed for this process only, when CURVE is on.
enum PipelineComposition {
    static func attach(to options: inout CoordinatorOptions, logger: Logger) throws -> PipelineRunner {
        let curve = try options.security.map { security in
            let keys = try CurveKeyPair.generate()
            options.security?.clients[keys.publicKey] = "pipeline-runner"
            return CurveClientKeys(keyPair: keys, serverPublicKey: security.serverKeys.publicKey)
        }
        let coordinator = options.workerEndpoint.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
        let runner = try PipelineRunner(options: .init(dataDirectory: options.dataDirectory, coordinator: coordinator,
                                                       codeVersion: Drover.configuration.version, curve: curve,
                                                       training: options.security.map {
                                                           TrainingSecurity(serverKeys: $0.serverKeys, workers: $0.workers)
                                                       },
                                                       trainingHost: Endpoint.host(of: options.workerEndpoint)),
                                        logger: logger)
        options.pipelines = runner
        return runner
    }
}
