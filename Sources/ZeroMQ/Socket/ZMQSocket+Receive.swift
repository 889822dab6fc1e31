import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ZMQSocket {
    /// Receives one whole multipart message, each frame copied out once into a `[UInt8]`.
    ///
    /// - Parameter dontWait: `true` never blocks.
    /// - Returns: the frames, or `nil` if nothing is waiting (`EAGAIN`, or a receive timeout expired).
    /// - Throws: ``ZMQError``; `ETERM` means the context is shutting down: end the loop.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        let got = try receiveParts(dontWait: dontWait) { raw in
            frames.append([UInt8](unsafeUninitializedCapacity: raw.count) { buffer, initialized in
                if raw.count > 0 { memcpy(buffer.baseAddress!, raw.baseAddress!, raw.count) }
                initialized = raw.count
            })
        }
        return got ? frames : nil
    }

    /// Receives one whole multipart message and hands `body` its frames where libzmq holds them:
    /// no copy, valid only during the call (a large frame is read once, where it landed).
    ///
    /// - Returns: what `body` returned, or `nil` if nothing is waiting (`EAGAIN`).
    /// - Throws: ``ZMQError``, or what `body` throws.
    public func receiveBorrowed<T>(dontWait: Bool = false, _ body: ([UnsafeRawBufferPointer]) throws -> T) throws -> T? {
        let h = try open("zmq_msg_recv")
        let flags = dontWait ? ZMQ_DONTWAIT : 0
        var parts: [UnsafeMutablePointer<zmq_msg_t>] = []
        defer {
            for m in parts {
                zmq_msg_close(m)
                m.deallocate()
            }
        }
        repeat {
            let m = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
            zmq_msg_init(m)
            parts.append(m)
            switch try zmqCall("zmq_msg_recv", { zmq_msg_recv(m, h, flags) }) {
            case .done:
                break
            case .wouldBlock:
                if parts.count == 1 { return nil }
                throw ZMQError(code: EAGAIN, operation: "zmq_msg_recv", detail: "EAGAIN inside a multipart message")
            }
        } while zmq_msg_more(parts.last!) != 0
        return try body(parts.map { UnsafeRawBufferPointer(start: zmq_msg_data($0), count: zmq_msg_size($0)) })
    }

    /// Receives one whole multipart message into reusable storage (cleared first). Allocation-free once
    /// `message` has grown to the working size.
    ///
    /// - Parameter readUserId: also read the `User-Id` message property (set by a ZAP handler's 200
    ///   reply) into ``Multipart/userId``. Off by default: it costs a lookup and a string per message.
    /// - Parameter readSourceFD: also read the file descriptor of the connection the message came in
    ///   on (`ZMQ_SRCFD`) into ``Multipart/sourceFD``, to match it with a ``ZMQMonitor``'s
    ///   `disconnected` event. One `zmq_msg_get` per message.
    /// - Returns: `false` if nothing is waiting (`EAGAIN`); `message` is then empty.
    public func receive(into message: inout Multipart, dontWait: Bool = false, readUserId: Bool = false,
                        readSourceFD: Bool = false) throws(ZMQError) -> Bool {
        message.removeAll()
        var userId: String?
        var sourceFD: Int32?
        let got = try receiveParts(dontWait: dontWait) { raw in message.appendRaw(raw) } last: { msg in
            if readUserId, let p = zmq_msg_gets(msg, "User-Id") {
                userId = String(validatingCString: p)
            }
            if readSourceFD {
                let fd = zmq_msg_get(msg, ZMQ_SRCFD)
                if fd >= 0 { sourceFD = fd }
            }
        }
        message.userId = userId
        message.sourceFD = sourceFD
        return got
    }

    /// The single receive loop: `zmq_msg_recv` into the socket's scratch message until `zmq_msg_more`
    /// is 0, handing each frame's bytes to `sink` (valid only during the call), then the last frame
    /// to `onLast` (for message properties).
    private func receiveParts(
        dontWait: Bool,
        _ sink: (UnsafeRawBufferPointer) -> Void,
        last onLast: (UnsafeMutablePointer<zmq_msg_t>) -> Void = { _ in }
    ) throws(ZMQError) -> Bool {
        let h = try open("zmq_msg_recv")
        let msg = scratch
        zmq_msg_init(msg)
        defer { zmq_msg_close(msg) }
        let flags = dontWait ? ZMQ_DONTWAIT : 0
        var first = true
        repeat {
            switch try zmqCall("zmq_msg_recv", { zmq_msg_recv(msg, h, flags) }) {
            case .done:
                break
            case .wouldBlock:
                if first { return false }
                // Cannot happen: libzmq delivers the parts of a message together.
                throw ZMQError(code: EAGAIN, operation: "zmq_msg_recv", detail: "EAGAIN inside a multipart message")
            }
            sink(UnsafeRawBufferPointer(start: zmq_msg_data(msg), count: zmq_msg_size(msg)))
            first = false
        } while zmq_msg_more(msg) != 0
        // Properties live on frames that came off the wire; a ROUTER's routing-id frame has none.
        onLast(msg)
        return true
    }
}
