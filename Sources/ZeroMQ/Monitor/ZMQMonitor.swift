import CZeroMQ
import Synchronization

/// Observes a socket's connection events (`zmq_socket_monitor`) through a PAIR socket that the
/// owner thread can poll. Create it, use it and close it on the monitored socket's owner thread,
/// and close it before closing the monitored socket.
public final class ZMQMonitor {
    /// The PAIR socket that receives events; watch it for readability.
    public let socket: ZMQSocket
    private let target: ZMQSocket

    /// Distinct inproc endpoints for monitors in one process.
    private static let counter = Atomic<Int>(0)

    public init(_ target: ZMQSocket, events: MonitorEvents = .all) throws(ZMQError) {
        let n = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        let endpoint = "inproc://drover.monitor.\(n)"
        let h = try target.open("zmq_socket_monitor")
        try zmqCheck("zmq_socket_monitor", detail: endpoint) { zmq_socket_monitor(h, endpoint, events.rawValue) }
        self.target = target
        do {
            socket = try ZMQSocket(target.context, type: .pair, linger: .zero)
            try socket.connect(endpoint)
        } catch {
            _ = zmq_socket_monitor(h, nil, 0)
            throw error
        }
    }

    /// The next event, or `nil` if none is waiting (with `dontWait`).
    public func receive(dontWait: Bool = true) throws(ZMQError) -> MonitorEvent? {
        guard let frames = try socket.receive(dontWait: dontWait) else { return nil }
        guard frames.count == 2, frames[0].count == 6 else {
            throw ZMQError(code: EPROTO, operation: "zmq_socket_monitor", detail: "unexpected event layout")
        }
        // Frame 1: uint16 event id, uint32 value, native byte order. Frame 2: endpoint.
        let (id, value) = frames[0].withUnsafeBytes {
            ($0.loadUnaligned(as: UInt16.self), $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        }
        return MonitorEvent(
            kind: MonitorEvents(rawValue: Int32(id)),
            value: Int32(bitPattern: value),
            endpoint: String(decoding: frames[1], as: UTF8.self)
        )
    }

    /// Stops monitoring and closes the PAIR socket. Idempotent.
    public func close() {
        if !socket.isClosed, !target.isClosed, let h = try? target.open("zmq_socket_monitor") {
            _ = zmq_socket_monitor(h, nil, 0)
        }
        socket.close()
    }
}
