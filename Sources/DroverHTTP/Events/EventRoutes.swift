import Hummingbird

/// `GET /api/v1/events`: the event stream as server-sent events (`text/event-stream`), behind a
/// `read` token. Resumable: a reconnecting client sends `Last-Event-ID` (or `?after=ID`).
struct EventRoutes: Sendable {
    let backend: APIBackend

    func register(on router: Router<BasicRequestContext>) {
        let auth = backend.auth, hub = backend.events
        router.get("/api/v1/events") { request, _ in
            _ = try await auth.require(.read, request)
            let text = request.headers[HTTPFields.Element.Name("Last-Event-ID")!] ?? request.uri.queryParameters["after"].map(String.init)
            var after: UInt64?
            if let text, !text.isEmpty {
                guard let id = UInt64(text) else { throw APIError.badRequest("Last-Event-ID '\(text)' is not an event id of this stream") }
                after = id
            }
            let (stream, overflowed) = hub.subscribe(after: after)
            let limit = hub.subscriberBuffer
            let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                                       HTTPFields.Element.Name("X-Accel-Buffering")!: "no"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\n: drover events\n\n"))
                for await item in stream {
                    try await writer.write(ByteBuffer(string: Self.frame(item)))
                }
                if overflowed() {
                    try await writer.write(ByteBuffer(string: Self.frame(type: "dropped", data: "{\"reason\":\"this client fell more than \(limit) events behind; reconnect with Last-Event-ID\"}")))
                }
                try await writer.finish(nil)
            })
        }
    }

    static func frame(_ item: EventHub.Item) -> String {
        switch item {
        case .event(let e): "id: \(e.id)\n" + frame(type: e.type, data: e.data)
        case .reset(let reason): frame(type: "reset", data: "{\"reason\":\(quoted(reason))}")
        case .ping: ": ping\n\n"
        }
    }

    static func frame(type: String, data: String) -> String {
        "event: \(type)\ndata: \(data)\n\n" // the JSON has no raw newlines
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
