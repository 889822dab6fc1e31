import Logging
import ServiceLifecycle

/// Runs services in one `ServiceGroup` that drains on SIGTERM/SIGINT (in reverse order), and
/// runs `onReady` alongside. A startup failure becomes a `CLIError` with exit code 1.
enum ServiceRunner {
    /// With `stopAfterReady`, the group shuts down gracefully once `onReady` returns (demo, bench).
    static func run(_ services: [any Service], logger: Logger, stopAfterReady: Bool = false,
                    onReady: @escaping @Sendable () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    do { try await onReady() } catch {
                        await group.triggerGracefulShutdown()
                        throw error
                    }
                    if stopAfterReady { await group.triggerGracefulShutdown() }
                }
                try await tasks.waitForAll()
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)", cause: error)
        }
    }
}
