/// Messages a worker sends to the coordinator's worker socket (DEALER → ROUTER).
public enum WorkerMessage: Sendable, Equatable {
    /// First message on a connection, and again after every reconnect.
    /// `held` lists attempts the worker still runs or has results for, so a restarted
    /// coordinator can re-attach them instead of running them twice.
    case hello(Hello)
    /// Grants `n` more job slots: the coordinator never has more assignments
    /// outstanding on a worker than the credit it granted.
    case credit(UInt32)
    /// Attempts that started executing (assigned → running).
    case started([Lease])
    /// Finished attempts, plus `credit` more slots granted in the same message.
    case results(credit: UInt32, [AttemptResult])
    case heartbeat
    /// Leaving: the listed attempts were not finished and go back to the queue.
    case bye(handedBack: [Lease])
    /// Output of running command jobs, in bounded chunks (docs/commands.md, "Logs").
    case logs([LogChunk])

    public struct Hello: Sendable, Equatable {
        public var name: String
        public var slots: UInt32
        public var credit: UInt32
        public var tags: [String]
        public var kinds: [String]
        public var held: [Lease]

        public init(name: String, slots: UInt32, credit: UInt32, tags: [String], kinds: [String], held: [Lease]) {
            self.name = name
            self.slots = slots
            self.credit = credit
            self.tags = tags
            self.kinds = kinds
            self.held = held
        }
    }

    enum Code: UInt8 {
        case hello = 0x01, credit, started, results, heartbeat, bye
        /// RESULTS where some result carries outputs: each result is followed by its outputs map.
        /// Without outputs a worker sends plain RESULTS, byte-for-byte what earlier workers send.
        case resultsWithOutputs
        case logs
    }

    public func encode() -> [UInt8] {
        switch self {
        case .hello(let h):
            var w = Envelope.writer(command: Code.hello.rawValue)
            w.string(h.name)
            w.u32(h.slots)
            w.u32(h.credit)
            w.strings(h.tags)
            w.strings(h.kinds)
            w.count(h.held.count)
            for l in h.held { l.encode(into: &w) }
            return w.bytes
        case .credit(let n):
            var w = Envelope.writer(command: Code.credit.rawValue)
            w.u32(n)
            return w.bytes
        case .started(let leases):
            var w = Envelope.writer(command: Code.started.rawValue, capacity: 8 + leases.count * 20)
            w.count(leases.count)
            for l in leases { l.encode(into: &w) }
            return w.bytes
        case .results(let credit, let results):
            let withOutputs = results.contains { !$0.outputs.isEmpty }
            var w = Envelope.writer(command: (withOutputs ? Code.resultsWithOutputs : Code.results).rawValue,
                                    capacity: 16 + results.count * 40)
            w.u32(credit)
            w.count(results.count)
            for r in results {
                r.encode(into: &w)
                if withOutputs { w.stringMap(r.outputs) }
            }
            return w.bytes
        case .heartbeat:
            return Envelope.writer(command: Code.heartbeat.rawValue).bytes
        case .bye(let leases):
            var w = Envelope.writer(command: Code.bye.rawValue)
            w.count(leases.count)
            for l in leases { l.encode(into: &w) }
            return w.bytes
        case .logs(let chunks):
            var w = Envelope.writer(command: Code.logs.rawValue, capacity: 8 + chunks.reduce(0) { $0 + 40 + $1.bytes.count })
            w.count(chunks.count)
            for c in chunks { c.encode(into: &w) }
            return w.bytes
        }
    }

    public static func decode(_ frame: [UInt8]) throws(DecodeError) -> WorkerMessage {
        var (command, r) = try Envelope.open(frame)
        guard let code = Code(rawValue: command) else { throw .unknownCommand(command) }
        let message: WorkerMessage
        switch code {
        case .hello:
            let name = try r.string("hello.name", limit: 256)
            let slots = try r.u32("hello.slots")
            let credit = try r.u32("hello.credit")
            let tags = try r.strings("hello.tags", limit: 64)
            let kinds = try r.strings("hello.kinds", limit: 256)
            let n = try r.count("hello.held", limit: WireLimits.maxBatch, minElementSize: 20)
            var held: [Lease] = []
            held.reserveCapacity(n)
            for _ in 0..<n { held.append(try Lease.decode(from: &r)) }
            message = .hello(Hello(name: name, slots: slots, credit: credit, tags: tags, kinds: kinds, held: held))
        case .credit:
            message = .credit(try r.u32("credit.n"))
        case .started:
            message = .started(try decodeLeases(&r, field: "started.leases"))
        case .results, .resultsWithOutputs:
            let credit = try r.u32("results.credit")
            let n = try r.count("results.count", limit: WireLimits.maxBatch, minElementSize: 33)
            var results: [AttemptResult] = []
            results.reserveCapacity(n)
            for _ in 0..<n {
                var result = try AttemptResult.decode(from: &r)
                if code == .resultsWithOutputs { result.outputs = try r.stringMap("result.outputs") }
                results.append(result)
            }
            message = .results(credit: credit, results)
        case .heartbeat:
            message = .heartbeat
        case .bye:
            message = .bye(handedBack: try decodeLeases(&r, field: "bye.leases"))
        case .logs:
            let n = try r.count("logs.count", limit: WireLimits.maxBatch, minElementSize: 33)
            var chunks: [LogChunk] = []
            chunks.reserveCapacity(n)
            for _ in 0..<n { chunks.append(try LogChunk.decode(from: &r)) }
            message = .logs(chunks)
        }
        try r.finish()
        return message
    }
}

func decodeLeases(_ r: inout ByteReader, field: String) throws(DecodeError) -> [Lease] {
    let n = try r.count(field, limit: WireLimits.maxBatch, minElementSize: 20)
    var out: [Lease] = []
    out.reserveCapacity(n)
    for _ in 0..<n { out.append(try Lease.decode(from: &r)) }
    return out
}

func encodeLeases(_ leases: [Lease], into w: inout ByteWriter) {
    w.count(leases.count)
    for l in leases { l.encode(into: &w) }
}
