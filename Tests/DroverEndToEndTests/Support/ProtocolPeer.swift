import DroverProtocol
import Foundation
import ZeroMQ

/// A worker written from `docs/protocol.md` alone: a bare DEALER on the coordinator's worker
/// socket that sends the frames a test chooses and reads every reply, for conformance tests.
/// Used from one test thread only (libzmq sockets have one owner). (FailStopTests has a simpler
/// `RawWorker` that only records.)
final class ProtocolPeer {
    let socket: ZMQSocket
    /// Once welcomed, `next` sends HEARTBEAT while it waits so the session stays alive.
    var keepAlive = false

    init(_ context: ZMQContext, endpoint: String, routingId: [UInt8]? = nil) throws {
        socket = try ZMQSocket(context, type: .dealer, linger: .zero)
        var options: [SocketOption] = [.receiveTimeout(.milliseconds(40)), .immediate(true)]
        if let routingId { options.append(.routingId(routingId)) }
        try socket.set(options)
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    func send(_ message: WorkerMessage) throws { try sendRaw(message.encode()) }

    func sendRaw(_ frame: [UInt8]) throws {
        guard try socket.send([frame]) else { throw TestFailure("could not send \(frame.prefix(4))") }
    }

    /// The next message other than HEARTBEAT, with its raw frame; fails after `timeout`.
    func next(timeout: Duration = .seconds(10)) throws -> (message: CoordinatorMessage, frame: [UInt8]) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if keepAlive { try send(.heartbeat) }
            guard let frames = try socket.receive(), frames.count == 1 else { continue }
            let message = try CoordinatorMessage.decode(frames[0])
            if message == .heartbeat { continue }
            return (message, frames[0])
        }
        throw TestFailure("no message from the coordinator within \(timeout)")
    }

    /// Every message other than HEARTBEAT that arrives within `window` (a quiet period check).
    func drain(for window: Duration) throws -> [CoordinatorMessage] {
        var seen: [CoordinatorMessage] = []
        let deadline = ContinuousClock.now + window
        while ContinuousClock.now < deadline {
            if keepAlive { try send(.heartbeat) }
            guard let frames = try socket.receive(), frames.count == 1 else { continue }
            let message = try CoordinatorMessage.decode(frames[0])
            if message != .heartbeat { seen.append(message) }
        }
        return seen
    }

    /// HELLO, then the WELCOME it must get.
    @discardableResult
    func hello(_ name: String, slots: UInt32 = 1, credit: UInt32, tags: [String] = [], kinds: [String] = [],
               held: [Lease] = []) throws -> CoordinatorMessage.Welcome {
        try send(.hello(.init(name: name, slots: slots, credit: credit, tags: tags, kinds: kinds, held: held)))
        guard case .welcome(let welcome) = try next().message else { throw TestFailure("HELLO was not answered WELCOME") }
        keepAlive = true
        return welcome
    }

    /// The next ASSIGN's attempts.
    func assignments(timeout: Duration = .seconds(10)) throws -> [Assignment] {
        let (message, _) = try next(timeout: timeout)
        guard case .assign(let list) = message else { throw TestFailure("expected ASSIGN, got \(message)") }
        return list
    }
}
