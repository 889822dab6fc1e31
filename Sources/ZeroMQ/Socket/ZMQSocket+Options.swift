import CZeroMQ

extension ZMQSocket {
    /// Sets one typed option.
    ///
    /// A negative ``SocketOption/linger(_:)`` (libzmq's "forever") is refused with `EINVAL`: an
    /// unbounded linger is what makes `zmq_ctx_term` hang at shutdown.
    public func set(_ option: SocketOption) throws(ZMQError) {
        let h = try open("zmq_setsockopt")
        if case .linger(let d) = option, d < .zero {
            throw ZMQError(code: EINVAL, operation: "zmq_setsockopt", detail: "ZMQ_LINGER must be bounded (>= 0)")
        }
        let (id, value) = option.encoded
        let name = option.name
        switch value {
        case .int(var v):
            try zmqCheck("zmq_setsockopt", detail: name) { zmq_setsockopt(h, id, &v, MemoryLayout<Int32>.size) }
        case .int64(var v):
            try zmqCheck("zmq_setsockopt", detail: name) { zmq_setsockopt(h, id, &v, MemoryLayout<Int64>.size) }
        case .bytes(let bytes):
            try zmqCheck("zmq_setsockopt", detail: name) {
                bytes.withUnsafeBytes { zmq_setsockopt(h, id, $0.baseAddress, $0.count) }
            }
        case .string(let s):
            var utf8 = Array(s.utf8)
            try zmqCheck("zmq_setsockopt", detail: name) {
                utf8.withUnsafeMutableBytes { zmq_setsockopt(h, id, $0.baseAddress, $0.count) }
            }
        }
    }

    /// Sets several options in order; stops at the first failure.
    public func set(_ options: [SocketOption]) throws(ZMQError) {
        for option in options { try set(option) }
    }

    /// An `int` option, e.g. `ZMQ_EVENTS` or `ZMQ_LINGER`.
    func intOption(_ id: Int32, name: String) throws(ZMQError) -> Int32 {
        let h = try open("zmq_getsockopt")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try zmqCheck("zmq_getsockopt", detail: name) { zmq_getsockopt(h, id, &value, &size) }
        return value
    }

    /// Current linger.
    public func linger() throws(ZMQError) -> Duration {
        .milliseconds(try intOption(ZMQ_LINGER, name: "ZMQ_LINGER"))
    }

    /// This socket's routing id (`ZMQ_ROUTING_ID`).
    public func routingId() throws(ZMQError) -> [UInt8] {
        let h = try open("zmq_getsockopt")
        var buffer = [UInt8](repeating: 0, count: 256)
        var size = buffer.count
        try zmqCheck("zmq_getsockopt", detail: "ZMQ_ROUTING_ID") { zmq_getsockopt(h, ZMQ_ROUTING_ID, &buffer, &size) }
        return Array(buffer.prefix(size))
    }

    /// `ZMQ_EVENTS` right now: can a message be received / sent without blocking.
    public func readiness() throws(ZMQError) -> (readable: Bool, writable: Bool) {
        let events = try intOption(ZMQ_EVENTS, name: "ZMQ_EVENTS")
        return (events & Int32(ZMQ_POLLIN) != 0, events & Int32(ZMQ_POLLOUT) != 0)
    }
}
