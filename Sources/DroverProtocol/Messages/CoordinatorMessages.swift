/// Messages the coordinator sends to a worker (ROUTER → DEALER).
public enum CoordinatorMessage: Sendable, Equatable {
    /// Answer to HELLO: the coordinator's epoch and the timing the worker must follow.
    case welcome(Welcome)
    /// Attempts to run; never more than the worker's outstanding credit.
    case assign([Assignment])
    /// Results received: committed (first valid result) or discarded (superseded or duplicate).
    /// Either way the worker may forget them.
    case resultAck([Lease])
    /// Stop these attempts; the worker reports them as cancelled.
    case cancel([Lease])
    case heartbeat
    /// The coordinator does not know this worker (e.g. after a restart): send HELLO again.
    case disconnect(reason: String)
    /// The last frame from this worker was rejected.
    case error(ErrorCode, String)

    public struct Welcome: Sendable, Equatable {
        public var epoch: UInt64
        public var heartbeatMs: UInt32
        public var liveness: UInt32
        public var leaseMs: UInt32

        public init(epoch: UInt64, heartbeatMs: UInt32, liveness: UInt32, leaseMs: UInt32) {
            self.epoch = epoch
            self.heartbeatMs = heartbeatMs
            self.liveness = liveness
            self.leaseMs = leaseMs
        }
    }

    enum Code: UInt8 {
        case welcome = 0x41, assign, resultAck, cancel, heartbeat, disconnect, error
    }

    public func encode() -> [UInt8] {
        switch self {
        case .welcome(let wl):
            var w = Envelope.writer(command: Code.welcome.rawValue)
            w.u64(wl.epoch)
            w.u32(wl.heartbeatMs)
            w.u32(wl.liveness)
            w.u32(wl.leaseMs)
            return w.bytes
        case .assign(let list):
            var w = Envelope.writer(command: Code.assign.rawValue, capacity: 8 + list.count * 40)
            w.count(list.count)
            for a in list { a.encode(into: &w) }
            return w.bytes
        case .resultAck(let leases):
            var w = Envelope.writer(command: Code.resultAck.rawValue, capacity: 8 + leases.count * 20)
            encodeLeases(leases, into: &w)
            return w.bytes
        case .cancel(let leases):
            var w = Envelope.writer(command: Code.cancel.rawValue)
            encodeLeases(leases, into: &w)
            return w.bytes
        case .heartbeat:
            return Envelope.writer(command: Code.heartbeat.rawValue).bytes
        case .disconnect(let reason):
            var w = Envelope.writer(command: Code.disconnect.rawValue)
            w.string(reason)
            return w.bytes
        case .error(let code, let text):
            var w = Envelope.writer(command: Code.error.rawValue)
            w.u16(code.rawValue)
            w.string(text)
            return w.bytes
        }
    }

    public static func decode(_ frame: [UInt8]) throws(DecodeError) -> CoordinatorMessage {
        var (command, r) = try Envelope.open(frame)
        guard let code = Code(rawValue: command) else { throw .unknownCommand(command) }
        let message: CoordinatorMessage
        switch code {
        case .welcome:
            message = .welcome(Welcome(epoch: try r.u64("welcome.epoch"), heartbeatMs: try r.u32("welcome.heartbeatMs"),
                                       liveness: try r.u32("welcome.liveness"), leaseMs: try r.u32("welcome.leaseMs")))
        case .assign:
            let n = try r.count("assign.count", limit: WireLimits.maxBatch, minElementSize: 32)
            var list: [Assignment] = []
            list.reserveCapacity(n)
            for _ in 0..<n { list.append(try Assignment.decode(from: &r)) }
            message = .assign(list)
        case .resultAck:
            message = .resultAck(try decodeLeases(&r, field: "resultAck.leases"))
        case .cancel:
            message = .cancel(try decodeLeases(&r, field: "cancel.leases"))
        case .heartbeat:
            message = .heartbeat
        case .disconnect:
            message = .disconnect(reason: try r.string("disconnect.reason"))
        case .error:
            let c = try r.u16("error.code")
            message = .error(ErrorCode(rawValue: c) ?? .internal, try r.string("error.message"))
        }
        try r.finish()
        return message
    }
}
