import Foundation
import DroverProtocol
import Hummingbird

/// `GET /api/v1/events`: the event stream as server-sent events (`text/event-stream`), behind a
/// `read` token. Resumable: a reconnecting client sends `Last-Event-ID` (or `?after=ID`).
/// `?types=run,verdict` keeps only those types (per-job `job` events come by the hundred
/// thousand a second on a busy coordinator: a page that only needs counts leaves them out).
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
            let types = try request.uri.queryParameters["types"].map { try Self.types(String($0)) }
            let (stream, overflowed) = hub.subscribe(after: after, types: types)
            let limit = hub.subscriberBuffer
            let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                                       HTTPFields.Element.Name("X-Accel-Buffering")!: "no"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\n: drover events\n\n"))
                for await item in stream {
                    if case .batch(let batch) = item {
                        try await writer.write(ByteBuffer(bytes: batch.text))
                    } else {
                        try await writer.write(ByteBuffer(string: Self.frame(item)))
                    }
                }
                if overflowed() {
                    try await writer.write(ByteBuffer(string: Self.frame(type: "dropped", data: "{\"reason\":\"this client fell more than \(limit) events behind; reconnect with Last-Event-ID\"}")))
                }
                try await writer.finish(nil)
            })
        }
    }

    static let knownTypes: Set<String> = ["job", "jobs", "run", "verdict", "rejection", "promotion", "rollout", "gap"]

    static func types(_ text: String) throws -> Set<String> {
        let names = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        let unknown = names.subtracting(knownTypes)
        guard unknown.isEmpty, !names.isEmpty else {
            throw APIError.badRequest("types: \(unknown.isEmpty ? "empty" : "unknown \(unknown.sorted().joined(separator: ", "))"); use a comma-separated list of \(knownTypes.sorted().joined(separator: ", "))")
        }
        return names
    }

    static func frame(_ item: EventHub.Item) -> String {
        switch item {
        case .event(let e): "id: \(e.id)\n" + frame(type: e.type, data: e.data)
        case .batch(let b): String(decoding: b.text, as: UTF8.self)
        case .reset(let reason): frame(type: "reset", data: "{\"reason\":\(quoted(reason))}")
        case .ping: ": ping\n\n"
        }
    }

    static func frame(type: String, data: String) -> String {
        "event: \(type)\ndata: \(data)\n\n" // the JSON has no raw newlines
    }

    /// `s` as a JSON string.
    static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        JSONText.appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
