/// Messages a client (CLI, CI system, pipeline runner) sends to the coordinator's client
/// socket — a separate ROUTER, so a flood of submissions cannot starve workers.
public enum ClientRequest: Sendable, Equatable {
    /// Submit jobs. With `watch`, the coordinator later sends DONE for each of them.
    case submit(requestID: UInt64, watch: Bool, jobs: [JobSpec])
    /// A read-only query with a JSON body (`QueryRequest`: `status`, `job`, `jobs`, `workers`).
    case query(requestID: UInt64, name: String, body: [UInt8])
    /// Be told (DONE) when these jobs reach a terminal state; already-terminal ones are reported at once.
    case watch(requestID: UInt64, jobIDs: [JobID])
    /// A command that changes state, with a JSON body (`CommandRequest`: `cancel`, `release`).
    case command(requestID: UInt64, name: String, body: [UInt8])

    enum Code: UInt8 { case submit = 0x81, query, watch, command }

    /// A typed query, its body encoded as JSON.
    public static func query<Q: CoordinatorQuery>(requestID: UInt64, _ query: Q) throws(RequestBodyError) -> ClientRequest {
        .query(requestID: requestID, name: Q.name, body: try JSONBody.encode(query))
    }

    /// A typed command, its body encoded as JSON.
    public static func command<C: CoordinatorCommand>(requestID: UInt64, _ command: C) throws(RequestBodyError) -> ClientRequest {
        .command(requestID: requestID, name: C.name, body: try JSONBody.encode(command))
    }

    public func encode() -> [UInt8] {
        switch self {
        case .submit(let id, let watch, let jobs):
            var w = Envelope.writer(command: Code.submit.rawValue, capacity: 16 + jobs.count * 32)
            w.u64(id)
            w.bool(watch)
            w.count(jobs.count)
            for j in jobs { j.encode(into: &w) }
            return w.bytes
        case .query(let id, let name, let body):
            return Self.encodeNamed(Code.query, id, name, body)
        case .command(let id, let name, let body):
            return Self.encodeNamed(Code.command, id, name, body)
        case .watch(let id, let ids):
            var w = Envelope.writer(command: Code.watch.rawValue, capacity: 16 + ids.count * 8)
            w.u64(id)
            w.count(ids.count)
            for j in ids { w.u64(j) }
            return w.bytes
        }
    }

    private static func encodeNamed(_ code: Code, _ id: UInt64, _ name: String, _ body: [UInt8]) -> [UInt8] {
        var w = Envelope.writer(command: code.rawValue, capacity: 16 + name.utf8.count + body.count)
        w.u64(id)
        w.string(name)
        w.blob(body)
        return w.bytes
    }

    public static func decode(_ frame: [UInt8]) throws(DecodeError) -> ClientRequest {
        var (command, r) = try Envelope.open(frame)
        guard let code = Code(rawValue: command) else { throw .unknownCommand(command) }
        let request: ClientRequest
        switch code {
        case .submit:
            let id = try r.u64("submit.requestID")
            let watch = try r.bool("submit.watch")
            let n = try r.count("submit.jobs", limit: WireLimits.maxBatch, minElementSize: 20)
            var jobs: [JobSpec] = []
            jobs.reserveCapacity(n)
            for _ in 0..<n { jobs.append(try JobSpec.decode(from: &r)) }
            request = .submit(requestID: id, watch: watch, jobs: jobs)
        case .query:
            request = .query(requestID: try r.u64("query.requestID"), name: try r.string("query.name", limit: 64),
                             body: try r.blob("query.body", limit: WireLimits.maxFrameBytes))
        case .command:
            request = .command(requestID: try r.u64("command.requestID"), name: try r.string("command.name", limit: 64),
                               body: try r.blob("command.body", limit: WireLimits.maxFrameBytes))
        case .watch:
            let id = try r.u64("watch.requestID")
            let n = try r.count("watch.jobs", limit: WireLimits.maxBatch, minElementSize: 8)
            var ids: [JobID] = []
            ids.reserveCapacity(n)
            for _ in 0..<n { ids.append(try r.u64("watch.jobID")) }
            request = .watch(requestID: id, jobIDs: ids)
        }
        try r.finish()
        return request
    }
}

/// What the coordinator answers on the client socket.
public enum ClientReply: Sendable, Equatable {
    /// The jobs were journaled durably; ids in submission order.
    case submitted(requestID: UInt64, jobIDs: [JobID])
    /// Nothing was accepted: the queue is full. Retry after `retryAfterMs`.
    case busy(requestID: UInt64, retryAfterMs: UInt32, queued: UInt64, limit: UInt64)
    /// Answer to a query or command: `code` 0 is success; the body is JSON (a `QueryError` otherwise).
    case reply(requestID: UInt64, code: UInt16, body: [UInt8])
    /// Watched jobs that reached a terminal state.
    case done([DoneJob])
    /// The request could not be decoded or is not allowed.
    case error(requestID: UInt64, ErrorCode, String)

    public struct DoneJob: Sendable, Equatable {
        public var jobID: JobID
        public var state: JobState
        public init(jobID: JobID, state: JobState) {
            self.jobID = jobID
            self.state = state
        }
    }

    enum Code: UInt8 { case submitted = 0xC1, busy, reply, done, error }

    public func encode() -> [UInt8] {
        switch self {
        case .submitted(let id, let ids):
            var w = Envelope.writer(command: Code.submitted.rawValue, capacity: 16 + ids.count * 8)
            w.u64(id)
            w.count(ids.count)
            for j in ids { w.u64(j) }
            return w.bytes
        case .busy(let id, let after, let queued, let limit):
            var w = Envelope.writer(command: Code.busy.rawValue)
            w.u64(id)
            w.u32(after)
            w.u64(queued)
            w.u64(limit)
            return w.bytes
        case .reply(let id, let code, let body):
            var w = Envelope.writer(command: Code.reply.rawValue, capacity: 16 + body.count)
            w.u64(id)
            w.u16(code)
            w.blob(body)
            return w.bytes
        case .done(let jobs):
            var w = Envelope.writer(command: Code.done.rawValue, capacity: 8 + jobs.count * 9)
            w.count(jobs.count)
            for j in jobs {
                w.u64(j.jobID)
                w.u8(j.state.rawValue)
            }
            return w.bytes
        case .error(let id, let code, let text):
            var w = Envelope.writer(command: Code.error.rawValue)
            w.u64(id)
            w.u16(code.rawValue)
            w.string(text)
            return w.bytes
        }
    }

    public static func decode(_ frame: [UInt8]) throws(DecodeError) -> ClientReply {
        var (command, r) = try Envelope.open(frame)
        guard let code = Code(rawValue: command) else { throw .unknownCommand(command) }
        let reply: ClientReply
        switch code {
        case .submitted:
            let id = try r.u64("submitted.requestID")
            let n = try r.count("submitted.jobs", limit: WireLimits.maxBatch, minElementSize: 8)
            var ids: [JobID] = []
            ids.reserveCapacity(n)
            for _ in 0..<n { ids.append(try r.u64("submitted.jobID")) }
            reply = .submitted(requestID: id, jobIDs: ids)
        case .busy:
            reply = .busy(requestID: try r.u64("busy.requestID"), retryAfterMs: try r.u32("busy.retryAfterMs"),
                          queued: try r.u64("busy.queued"), limit: try r.u64("busy.limit"))
        case .reply:
            reply = .reply(requestID: try r.u64("reply.requestID"), code: try r.u16("reply.code"),
                           body: try r.blob("reply.body", limit: WireLimits.maxFrameBytes))
        case .done:
            let n = try r.count("done.count", limit: WireLimits.maxBatch, minElementSize: 9)
            var jobs: [DoneJob] = []
            jobs.reserveCapacity(n)
            for _ in 0..<n {
                let id = try r.u64("done.jobID")
                let s = try r.u8("done.state")
                guard let state = JobState(rawValue: s) else { throw .invalidValue(field: "done.state", value: Int(s)) }
                jobs.append(DoneJob(jobID: id, state: state))
            }
            reply = .done(jobs)
        case .error:
            let id = try r.u64("error.requestID")
            let c = try r.u16("error.code")
            reply = .error(requestID: id, ErrorCode(rawValue: c) ?? .internal, try r.string("error.message"))
        }
        try r.finish()
        return reply
    }
}
