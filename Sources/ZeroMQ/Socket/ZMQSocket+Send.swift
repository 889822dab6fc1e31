import CZeroMQ

extension ZMQSocket {
    /// Sends a whole multipart message in one synchronous call (`ZMQ_SNDMORE` on all but the last frame).
    ///
    /// libzmq queues multipart messages atomically: only the first frame can hit the high-water mark,
    /// so the message is either fully queued or not at all.
    ///
    /// - Parameter dontWait: `true` never blocks; a full queue (or no peer for DEALER/PUSH) returns `false`.
    /// - Returns: `true` if queued, `false` on `EAGAIN` ("would block" — not an error).
    /// - Throws: ``ZMQError`` — e.g. `EHOSTUNREACH` from a `ROUTER_MANDATORY` socket whose first frame
    ///   names an unknown peer, `ETERM` when the context is shutting down, `EINVAL` for zero frames.
    @discardableResult
    public func send<Frame: FrameBytes>(_ frames: [Frame], dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try open("zmq_send")
        guard !frames.isEmpty else { throw ZMQError(code: EINVAL, operation: "zmq_send", detail: "no frames") }
        let last = frames.count - 1
        for i in 0...last {
            let outcome = frames[i].withUnsafeBytes { raw in
                Result { () throws(ZMQError) in try sendFrame(h, raw, more: i < last, dontWait: dontWait, first: i == 0) }
            }
            if try !outcome.get() { return false }
        }
        return true
    }

    /// Sends a ``Multipart`` in one synchronous call; same semantics as ``send(_:dontWait:)``.
    @discardableResult
    public func send(_ message: Multipart, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try open("zmq_send")
        guard !message.isEmpty else { throw ZMQError(code: EINVAL, operation: "zmq_send", detail: "no frames") }
        let last = message.count - 1
        var outcome: Result<Bool, ZMQError> = .success(true)
        message.forEachFrame { i, raw in
            outcome = Result { () throws(ZMQError) in try sendFrame(h, raw, more: i < last, dontWait: dontWait, first: i == 0) }
            return (try? outcome.get()) == true
        }
        return try outcome.get()
    }

    /// One `zmq_send`. `EAGAIN` on the first frame means nothing was queued; on a later frame it cannot
    /// happen (atomic multipart), so it is reported as an error rather than silently truncating.
    @inline(__always)
    private func sendFrame(_ h: UnsafeMutableRawPointer, _ raw: UnsafeRawBufferPointer, more: Bool, dontWait: Bool, first: Bool) throws(ZMQError) -> Bool {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        switch try zmqCall("zmq_send", { zmq_send(h, raw.baseAddress, raw.count, flags) }) {
        case .done:
            return true
        case .wouldBlock:
            if first { return false }
            throw ZMQError(code: EAGAIN, operation: "zmq_send", detail: "EAGAIN inside a multipart message")
        }
    }
}
