import DroverStore
import Logging
import ServiceLifecycle
import ZeroMQ

/// The coordinator as a `Service`: on its own socket thread it opens and locks the data directory,
/// replays the journal and binds both sockets, and runs until graceful shutdown, when it
/// commits what is pending, checkpoints the journal and closes its sockets.
public final class CoordinatorService: Service {
    public let options: CoordinatorOptions
    let logger: Logger
    let ready = OneShot<Result<String, CoordinatorError>>()

    public init(options: CoordinatorOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Resolves once the sockets are bound (or startup failed): the endpoints, for printing.
    public func waitUntilReady() async throws -> String {
        try await ready.value().get()
    }

    public func run() async throws {
        if let refusal = BindExposure.refusal(for: options) {
            ready.resolve(.failure(.exposed(refusal: refusal)))
            throw CoordinatorError.exposed(refusal: refusal)
        }
        let context = try ZMQContext()
        let options = self.options
        let logger = self.logger
        let ready = self.ready
        let thread = try SocketThread<CoordinatorHandler>(
            context: context,
            configuration: .init(queueCapacity: 1024, tickInterval: .milliseconds(options.tickMs))
        ) { loop in
            // On the socket thread: the data directory, SQLite and the replay never run on the cooperative pool.
            do {
                let storage = try CoordinatorStorage(options: options)
                let handler = try CoordinatorHandler(loop: loop, options: options, storage: storage, logger: logger)
                ready.resolve(.success("workers \(options.workerEndpoint), clients \(options.clientEndpoint)"))
                return handler
            } catch let error as CoordinatorError {
                ready.resolve(.failure(error))
                throw error
            } catch {
                ready.resolve(.failure(.loopFailed(cause: error)))
                throw error
            }
        }
        do {
            try thread.start()
        } catch {
            await context.terminateOffPool()
            throw error
        }
        logger.info("coordinator.started", metadata: ["endpoint": "\(options.workerEndpoint)", "data": "\(options.dataDirectory)"])
        // The socket thread does all the work; this task waits for shutdown or for the loop to end.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                _ = await thread.finished() // the error, if any, comes again from stop() below
            } onGracefulShutdown: {
                thread.requestStop()
            }
        } onCancel: {
            thread.requestStop()
        }
        let failure = await thread.stop()
        // Sockets are closed by now; terminating the context off the cooperative pool cannot hang.
        await context.terminateOffPool()
        if let failure {
            throw (failure as? CoordinatorError) ?? .loopFailed(cause: failure)
        }
        logger.info("coordinator.stopped")
    }
}
