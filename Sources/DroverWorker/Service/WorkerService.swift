import Logging
import ServiceLifecycle
import ZeroMQ

/// A worker as a `Service`: connects to the coordinator on its own socket thread and runs
/// jobs until graceful shutdown, when it drains (finishes or hands back its jobs) and says BYE.
public final class WorkerService: Service {
    public let options: WorkerOptions
    let registry: ExecutorRegistry
    let logger: Logger

    public init(options: WorkerOptions, registry: ExecutorRegistry = .builtins, logger: Logger) {
        self.options = options
        self.registry = registry
        self.logger = logger
    }

    public func run() async throws {
        let context: ZMQContext
        do { context = try ZMQContext() } catch { throw WorkerError.startFailed(cause: error) }
        let options = self.options, registry = self.registry, logger = self.logger
        let thread: SocketThread<WorkerHandler>
        do {
            thread = try SocketThread<WorkerHandler>(
                context: context, configuration: .init(queueCapacity: 64, tickInterval: .milliseconds(20))
            ) { loop in
                let inbox = try CompletionInbox()
                loop.watch(fd: inbox.fileDescriptor)
                return try WorkerHandler(loop: loop, options: options, registry: registry, inbox: inbox, logger: logger)
            }
            try thread.start()
        } catch {
            await context.terminateOffPool()
            throw WorkerError.startFailed(cause: error)
        }
        logger.info("worker.started", metadata: ["coordinator": "\(options.coordinator)", "slots": "\(options.slots)"])
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                _ = await thread.finished() // the error, if any, comes again from stop() below
            } onGracefulShutdown: {
                thread.submit(.drain)
            }
        } onCancel: {
            thread.requestStop()
        }
        let failure = await thread.stop()
        // Sockets are closed by now; terminating the context off the cooperative pool cannot hang.
        await context.terminateOffPool()
        if let failure {
            throw WorkerError.loopFailed(cause: failure)
        }
    }
}
