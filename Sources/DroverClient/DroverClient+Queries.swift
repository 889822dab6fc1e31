import DroverProtocol

extension DroverClient {
    /// Asks a read-only query and decodes its typed reply.
    public func query<Q: CoordinatorQuery>(_ query: Q) throws(ClientError) -> Q.Reply {
        try call(Q.Reply.self, what: "query '\(Q.name)'") { id throws(RequestBodyError) in try .query(requestID: id, query) }
    }

    /// Gives a command and decodes its typed reply.
    public func command<C: CoordinatorCommand>(_ command: C) throws(ClientError) -> C.Reply {
        try call(C.Reply.self, what: "command '\(C.name)'") { id throws(RequestBodyError) in try .command(requestID: id, command) }
    }

    private func call<R: Decodable>(_ type: R.Type, what: String,
                                    _ request: (UInt64) throws(RequestBodyError) -> ClientRequest) throws(ClientError) -> R {
        let id = makeRequestID()
        let message: ClientRequest
        do {
            message = try request(id)
        } catch {
            throw ClientError(.body(error), error.description)
        }
        try send(message)
        return try answer(to: id, as: type, what: what)
    }

    private func answer<R: Decodable>(to id: UInt64, as type: R.Type, what: String) throws(ClientError) -> R {
        let reply = try receive { r in
            if case .reply(let rid, _, _) = r { return rid == id }
            if case .error(let rid, _, _) = r { return rid == id || rid == 0 }
            return false
        }
        return try Self.decode(reply, as: type, what: what, from: endpoint)
    }

    /// A reply to a query or command as its typed answer, or the coordinator's refusal as an error.
    /// Shared with clients that pipeline their requests (the HTTP side's `CoordinatorLink`).
    public static func decode<R: Decodable>(_ reply: ClientReply, as type: R.Type, what: String, from endpoint: String) throws(ClientError) -> R {
        let body = try body(of: reply, what: what, from: endpoint)
        do {
            return try JSONBody.decode(type, body, what: "the reply to \(what)")
        } catch {
            throw ClientError(.body(error), error.description)
        }
    }

    /// The JSON of a successful reply, undecoded; the coordinator's refusal as an error.
    public static func body(of reply: ClientReply, what: String, from endpoint: String) throws(ClientError) -> [UInt8] {
        switch reply {
        case .reply(_, 0, let body):
            return body
        case .reply(_, let code, let body):
            let message = (try? JSONBody.decode(QueryError.self, body, what: "error").error) ?? "error \(code)"
            throw ClientError(.rejected(ErrorCode(rawValue: code) ?? .internal), message)
        case .error(_, let code, let message):
            throw ClientError(.rejected(code), message)
        default:
            throw ClientError(.badReply("\(reply)"), "unexpected reply to \(what) from the coordinator at \(endpoint)")
        }
    }
}
