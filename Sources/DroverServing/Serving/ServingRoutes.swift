import Foundation
import Hummingbird
import NativeThreads

/// `POST /v1/models/NAME/predict`, `POST /v1/models/NAME/outcomes`, `GET /v1/models/NAME`,
/// `/healthz`, `/readyz` and `/metrics`.
struct ServingRoutes: Sendable {
    let service: ModelService
    let metrics: ServingMetrics
    let maxBodyBytes: Int

    struct OutcomeBody: Decodable {
        struct Outcome: Decodable {
            var requestID: String
            var row: Int?
            var label: JSONValue
            enum CodingKeys: String, CodingKey { case requestID = "request_id", row, label }
        }
        var outcomes: [Outcome]
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/models/:name/predict") { request, context in
            await respond { () async throws(RequestError) -> Response in
                try checkName(context)
                let body = try await predictBody(request)
                let requestID = try requestID(request)
                let key = body.key ?? request.headers[.init("X-Request-Key")!]
                let reply = try await service.predict(rows: body.rows, requestID: requestID, key: key)
                var response = Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                                        body: .init(byteBuffer: ByteBuffer(bytes: ReplyJSON.bytes(reply))))
                response.headers[.init("X-Request-ID")!] = requestID
                response.headers[.init("X-Drover-Model-Version")!] = String(reply.version)
                return response
            }
        }
        router.post("/v1/models/:name/outcomes") { request, context in
            await respond { () async throws(RequestError) -> Response in
                try checkName(context)
                let body = try await decode(OutcomeBody.self, request, what: "outcomes")
                guard !body.outcomes.isEmpty else { throw .invalid("'outcomes' is empty; send [{\"request_id\": …, \"label\": …}]") }
                var rows: [(requestID: String, row: Int, label: String, value: Double?)] = []
                for (i, o) in body.outcomes.enumerated() {
                    guard !o.requestID.isEmpty, o.requestID.count <= 128 else {
                        throw .invalid("outcomes[\(i)].request_id must be the non-empty request id a prediction answered (≤ 128 characters)")
                    }
                    guard let text = o.label.keyText else {
                        throw .invalid("outcomes[\(i)].label is \(o.label.typeName); send the observed class (string) or value (number)")
                    }
                    let row = o.row ?? 0
                    guard row >= 0 else { throw .invalid("outcomes[\(i)].row must be ≥ 0") }
                    var value: Double?
                    if case .number(let d) = o.label { value = d }
                    rows.append((o.requestID, row, text, value))
                }
                do {
                    let result = try await service.rollouts.record(outcomes: rows, model: service.name, at: Date().timeIntervalSince1970)
                    return try json(result)
                } catch {
                    throw RequestError(status: 500, code: "storage", "cannot store outcomes: \(error)")
                }
            }
        }
        router.get("/v1/models/:name") { _, context in
            await respond { () async throws(RequestError) -> Response in
                try checkName(context)
                guard let info = service.describe() else {
                    throw RequestError(status: 503, code: "not_ready", "\(service.name) is not loaded yet")
                }
                return try json(info)
            }
        }
        router.get("/v1/models/:name/drift") { _, context in
            await respond { () async throws(RequestError) -> Response in
                try checkName(context)
                guard let window = service.drift else {
                    throw RequestError(status: 404, code: "no_reference", "drift needs a reference: start drover serve with --reference training.csv")
                }
                guard let signature = service.championSignature else {
                    throw RequestError(status: 503, code: "not_ready", "\(service.name) is not loaded yet")
                }
                let report: DriftWindow.Report
                do { report = try await runOffPool { window.compare(signature: signature) } } catch {
                    throw RequestError(status: 500, code: "drift_failed", "cannot compute drift: \(error)")
                }
                metrics.drift(model: service.name, report.drift)
                return try json(report)
            }
        }
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        router.get("/readyz") { _, _ in
            service.isReady ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "loading \(service.name)\n")))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
    }

    private func respond(_ body: () async throws(RequestError) -> Response) async -> Response {
        do throws(RequestError) {
            return try await body()
        } catch {
            if error.status != 200 { metrics.refused(model: service.name, code: error.code) }
            return error.response
        }
    }

    private func checkName(_ context: BasicRequestContext) throws(RequestError) {
        let name = context.parameters.get("name") ?? ""
        guard name == service.name else {
            throw .notFound("no model '\(name)' is served here; this server serves '\(service.name)' (POST /v1/models/\(service.name)/predict)")
        }
    }

    private func requestID(_ request: Request) throws(RequestError) -> String {
        guard let given = request.headers[.init("X-Request-ID")!] else { return RequestID.random() }
        guard !given.isEmpty, given.count <= 128, given.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw .invalid("X-Request-ID must be 1–128 printable ASCII characters without spaces")
        }
        return given
    }

    /// `{"rows": [{field: value}], "key": "user-42"}`, parsed straight from the bytes (the hot path).
    /// `key` (optional) makes the A/B assignment sticky; the `X-Request-Key` header works too.
    private func predictBody(_ request: Request) async throws(RequestError) -> (rows: [JSONValue], key: String?) {
        let what = "predict request"
        let buffer = try await body(request, what: what)
        let parsed = buffer.withUnsafeReadableBytes { raw in Result { () throws(JSONParser.Failure) in try JSONParser.parse(raw) } }
        let value: JSONValue
        switch parsed {
        case .success(let v): value = v
        case .failure(let e): throw .invalid("\(what): the body is not valid JSON (\(e)); send e.g. {\"rows\": [{\"field\": value}]}")
        }
        guard case .object(let fields) = value else { throw .invalid("\(what): the body is \(value.typeName); send an object {\"rows\": [{\"field\": value}]}") }
        guard let rows = fields["rows"] else { throw .invalid("\(what): field 'rows' is missing") }
        guard case .array(let list) = rows else { throw .invalid("\(what): rows has the wrong type: it is \(rows.typeName); send an array of objects") }
        switch fields["key"] {
        case nil, .null?: return (list, nil)
        case .string(let key)?: return (list, key)
        case let other?: throw .invalid("\(what): key has the wrong type: it is \(other.typeName); send a string (e.g. a user id)")
        }
    }

    /// The body's bytes, refused with 413 above `maxBodyBytes`.
    private func body(_ request: Request, what: String) async throws(RequestError) -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw RequestError(status: 413, code: "too_large", "\(what): the body is \(length) bytes; at most \(maxBodyBytes) are accepted (send fewer rows per request)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw RequestError(status: 413, code: "too_large", "\(what): the body is larger than \(maxBodyBytes) bytes (send fewer rows per request)")
        }
        return buffer
    }

    private func decode<T: Decodable>(_ type: T.Type, _ request: Request, what: String) async throws(RequestError) -> T {
        let buffer = try await body(request, what: what)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalid("\(what): field '\(key.stringValue)' is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalid("\(what): \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type: \(context.debugDescription)")
        } catch {
            throw .invalid("\(what): the body is not valid JSON (\(error)); send e.g. {\"rows\": [{\"field\": value}]}")
        }
    }

    private func json(_ value: some Encodable) throws(RequestError) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(value)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            throw RequestError(status: 500, code: "encode_failed", "cannot encode the answer: \(error)")
        }
    }
}
