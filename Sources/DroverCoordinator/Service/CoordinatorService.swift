import DroverStore
import Logging
import ServiceLifecycle
import ZeroMQ

/// The coordinator as a `Service`: opens and locks the data directory, replays the journal,
/// binds both sockets on its own socket thread, and runs until graceful shutdown, when it
/// commits what is pending, checkpoints the journal and closes its sockets.
public final class CoordinatorService: Service {
    public let options: CoordinatorOptions
    let logger: Logger
    let ready = OneShot<Result<String, CoordinatorStartError>>()

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
            ready.resolve(.failure(CoordinatorStartError(message: refusal)))
            throw CoordinatorStartError(message: refusal)
        }
        let dir: DataDirectory
        let journal: SQLiteJournal
        do {
            dir = try DataDirectory(path: options.dataDirectory)
            try dir.lock()
            journal = try SQLiteJournal(path: dir.journalPath, durability: options.durability)
        } catch {
            ready.resolve(.failure(CoordinatorStartError(message: "\(error)")))
            throw CoordinatorStartError(message: "\(error)")
        }
        let context = try ZMQContext()
        let options = self.options
        let logger = self.logger
        let ready = self.ready
        let box = JournalBox(journal)
        let thread = try SocketThread<CoordinatorHandler>(
            context: context,
            configuration: .init(queueCapacity: 1024, tickInterval: .milliseconds(options.tickMs))
        ) { loop in
            do {
                let handler = try CoordinatorHandler(loop: loop, options: options, journal: box.take(), logger: logger)
                ready.resolve(.success("workers \(options.workerEndpoint), clients \(options.clientEndpoint)"))
                return handler
            } catch {
                ready.resolve(.failure(CoordinatorStartError(message: "\(error)")))
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
            throw CoordinatorStartError(message: "coordinator loop ended: \(failure)")
        }
        withExtendedLifetime(dir) {}
        logger.info("coordinator.stopped")
    }
}

public struct CoordinatorStartError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Hands the journal (a non-Sendable, single-owner object) to the socket thread exactly once.
/// `@unchecked Sendable`: the only access after init is `take()`, called once on that thread.
final class JournalBox: @unchecked Sendable {
    private var journal: SQLiteJournal?
    init(_ journal: SQLiteJournal) { self.journal = journal }
    func take() -> SQLiteJournal {
        defer { journal = nil }
        return journal!
    }
}
