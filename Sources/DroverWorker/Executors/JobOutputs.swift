import Synchronization

/// The artifacts an attempt produced (name → `ArtifactRef` text), reported with its result in
/// RESULTS (docs/protocol.md). Executors add to it with `job.outputs.set(_:_:)`.
public final class JobOutputs: Sendable {
    private let items = Mutex<[String: String]>([:])

    public init() {}

    public func set(_ name: String, _ ref: String) {
        items.withLock { $0[name] = ref }
    }

    public var all: [String: String] { items.withLock { $0 } }
}
