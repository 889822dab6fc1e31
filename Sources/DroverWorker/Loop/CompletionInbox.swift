import DroverProtocol
import Synchronization
import ZeroMQ

/// How an executor task ended, handed from the task to the socket thread.
struct Completion: Sendable {
    var lease: Lease
    var result: Result<[String: Double], any Error>
    var durationMicros: UInt64
    var outputs: [String: String] = [:]
}

/// Completed jobs waiting for the socket thread. Tasks push and ring the doorbell; the
/// socket thread drains on `onDoorbell`. Its size is bounded by the worker's slots
/// (one completion per running job), so it needs no limit of its own.
final class CompletionInbox: Sendable {
    private let items = Mutex<[Completion]>([])
    private let doorbell: Doorbell

    init() throws {
        doorbell = try Doorbell()
    }

    /// Readable when completions are waiting: the socket thread polls it.
    var fileDescriptor: Int32 { doorbell.fileDescriptor }

    func push(_ c: Completion) {
        let wasEmpty = items.withLock { list -> Bool in
            list.append(c)
            return list.count == 1
        }
        if wasEmpty { doorbell.ring() }
    }

    func drain() -> [Completion] {
        _ = doorbell.drain()
        return items.withLock { list in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
    }
}
