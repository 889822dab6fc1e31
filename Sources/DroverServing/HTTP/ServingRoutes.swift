import Foundation
import NIOCore
import NIOHTTP1
import NativeThreads

/// `POST /v1/models/NAME/predict`, `POST /v1/models/NAME/outcomes`, `GET /v1/models/NAME`,
/// `GET /v1/models/NAME/drift`, `/healthz`, `/readyz` and `/metrics`, independent of the HTTP
/// layer (`ServeHTTPHandler`).
struct ServingRoutes: Sendable {
    let service: ModelService
    let metrics: ServingMetrics
    let maxBodyBytes: Int
    /// The hot path's route, matched before any other.
    let predictPath: String

    init(service: ModelService, metrics: ServingMetrics, maxBodyBytes: Int) {
        (self.service, self.metrics, self.maxBodyBytes) = (service, metrics, maxBodyBytes)
        predictPath = "/v1/models/\(service.name)/predict"
    }

    struct OutcomeBody: Decodable {
        struct Outcome: Decodable {
            var requestID: String
            var row: Int?
            var label: JSONValue
            enum CodingKeys: String, CodingKey { case requestID = "request_id", row, label }
        }
        var outcomes: [Outcome]
    }

    /// Routes `request`. A one-row prediction (the hot path) is answered on the spot.
    func route(_ request: ServeRequest) -> ServeRoute {
        if request.method == .POST, request.path == predictPath {
            do throws(RequestError) { return try predict(request) } catch { return .now(refuse(error)) }
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let method = request.method == .HEAD ? .GET : request.method
        switch (method, parts.count) {
        case (.GET, 1) where parts[0] == "healthz":
            return .now(.text(200, "ok\n"))
        case (.GET, 1) where parts[0] == "readyz":
            return .now(service.isReady ? .text(200, "ready\n") : .text(503, "loading \(service.name)\n"))
        case (.GET, 1) where parts[0] == "metrics":
            return .now(ServeResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render()))
        case (_, 3...4) where parts[0] == "v1" && parts[1] == "models":
            return model(method, parts[2], parts.count == 4 ? parts[3] : nil, request)
        default:
            return .now(RequestError.notFound("no route \(request.method) \(request.path); this server answers POST /v1/models/\(service.name)/predict, "
                                              + "POST /v1/models/\(service.name)/outcomes, GET /v1/models/\(service.name), /healthz, /readyz and /metrics").response)
        }
    }

    private func model(_ method: HTTPMethod, _ name: String, _ action: String?, _ request: ServeRequest) -> ServeRoute {
        let routes: [(HTTPMethod, String?)] = [(.POST, "predict"), (.POST, "outcomes"), (.GET, nil), (.GET, "drift")]
        guard routes.contains(where: { $0 == method && $1 == action }) else {
            let allowed = routes.filter { $0.1 == action }.map { "\($0.0)" }
            return .now(allowed.isEmpty
                ? RequestError.notFound("no route \(request.method) \(request.path)").response
                : RequestError(status: 405, code: "method_not_allowed", "\(request.path) takes \(allowed.joined(separator: ", ")), not \(request.method)").response)
        }
        do throws(RequestError) {
            try checkName(name)
            switch action {
            case "predict": return try predict(request)
            case "outcomes": return .later { await respond { () async throws(RequestError) in try await outcomes(request) } }
            case "drift": return .later { await respond { () async throws(RequestError) in try await drift() } }
            default:
                guard let info = service.describe() else { throw RequestError(status: 503, code: "not_ready", "\(service.name) is not loaded yet") }
                return .now(try json(info))
            }
        } catch {
            return .now(refuse(error))
        }
    }

    /// Predicts on the spot when `ModelService.predictInline` can; otherwise from a task.
    private func predict(_ request: ServeRequest) throws(RequestError) -> ServeRoute {
        let body = try predictBody(request.body)
        let requestID = try requestID(request.headers)
        let key = body.key ?? request.headers.first(name: "X-Request-Key")
        if let reply = try service.predictInline(rows: body.rows, requestID: requestID, key: key) {
            return .now(Self.predicted(reply, requestID: requestID))
        }
        let service = self.service
        return .later {
            await respond { () async throws(RequestError) in
                Self.predicted(try await service.predict(rows: body.rows, requestID: requestID, key: key), requestID: requestID)
            }
        }
    }

    private static func predicted(_ reply: ModelService.Reply, requestID: String) -> ServeResponse {
        .json(ReplyJSON.bytes(reply), headers: [("X-Request-ID", requestID), ("X-Drover-Model-Version", String(reply.version))])
    }

    private func outcomes(_ request: ServeRequest) async throws(RequestError) -> ServeResponse {
        let body = try decode(OutcomeBody.self, request.body, what: "outcomes")
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

    private func drift() async throws(RequestError) -> ServeResponse {
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

    /// The refusal of a request whose body is larger than `maxBodyBytes` (`length`: its
    /// Content-Length, when it said).
    func tooLarge(length: Int?) -> ServeResponse {
        let size = length.map { "is \($0) bytes" } ?? "is larger than \(maxBodyBytes) bytes"
        return refuse(RequestError(status: 413, code: "too_large",
                                   "the body \(size); at most \(maxBodyBytes) are accepted (send fewer rows per request)"))
    }

    private func respond(_ body: () async throws(RequestError) -> ServeResponse) async -> ServeResponse {
        do throws(RequestError) {
            return try await body()
        } catch {
            return refuse(error)
        }
    }

    private func refuse(_ error: RequestError) -> ServeResponse {
        metrics.refused(model: service.name, code: error.code)
        return error.response
    }

    private func checkName(_ given: String) throws(RequestError) {
        guard given == service.name else {
            let name = given.removingPercentEncoding ?? given
            if name == service.name { return }
            throw .notFound("no model '\(name)' is served here; this server serves '\(service.name)' (POST /v1/models/\(service.name)/predict)")
        }
    }

    private func requestID(_ headers: HTTPHeaders) throws(RequestError) -> String {
        guard let given = headers.first(name: "X-Request-ID") else { return RequestID.random() }
        guard !given.isEmpty, given.count <= 128, given.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw .invalid("X-Request-ID must be 1–128 printable ASCII characters without spaces")
        }
        return given
    }

    /// `{"rows": [{field: value}], "key": "user-42"}`, parsed straight from the bytes (the hot path).
    /// `key` (optional) makes the A/B assignment sticky; the `X-Request-Key` header works too.
    private func predictBody(_ buffer: ByteBuffer) throws(RequestError) -> (rows: [JSONValue], key: String?) {
        let what = "predict request"
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

    private func decode<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer, what: String) throws(RequestError) -> T {
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

    private func json(_ value: some Encodable) throws(RequestError) -> ServeResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return .json(Array(try encoder.encode(value)))
        } catch {
            throw RequestError(status: 500, code: "encode_failed", "cannot encode the answer: \(error)")
        }
    }
}
