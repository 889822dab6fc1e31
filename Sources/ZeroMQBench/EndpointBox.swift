import Synchronization
#if canImport(ZeroMQ) // SwiftPM target; bench/zmq/run.sh compiles these files into one module with the wrapper
import ZeroMQ
#endif

/// Hands the echo thread's bound endpoint (or its error) to the benchmark thread.
final class EndpointBox: Sendable {
    private let value = Mutex<Result<String, any Error>?>(nil)
    func set(_ r: Result<String, any Error>) { value.withLock { $0 = r } }
    func get() -> Result<String, any Error>? { value.withLock { $0 } }
}
