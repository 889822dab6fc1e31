import DroverClient
import DroverProtocol
import DroverStore
import Foundation
import Hummingbird

/// An API failure: the HTTP status and a sentence saying what and what to do, answered as
/// `{"error": {"status": 404, "code": "not_found", "message": "…"}}`.
public struct APIError: Error, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }

    struct Body: Encodable {
        struct Inner: Encodable { var status: Int; var code: String; var message: String }
        var error: Inner
    }

    var response: Response {
        let body = (try? JSONEncoder().encode(Body(error: .init(status: status.code, code: code, message: message)))) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"drover\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Maps what a handler threw to an API error: the coordinator's refusals keep their meaning.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as LinkBusy: return APIError(.serviceUnavailable, "busy", e.description)
        case let e as ClientError:
            switch e.reason {
            case .rejected(.notFound): return .notFound(e.message)
            case .rejected(.badRequest): return .badRequest(e.message)
            case .rejected(.forbidden): return APIError(.forbidden, "forbidden", e.message)
            case .rejected(.unknownCommand): return APIError(.notImplemented, "not_available", e.message)
            case .noAnswer, .busy: return APIError(.serviceUnavailable, "coordinator_unavailable", e.message)
            default: return APIError(.badGateway, "coordinator_error", e.message)
            }
        case let e as RegistryError:
            switch e {
            case .unknownModel, .unknownVersion, .unknownAlias, .unknownVerdict: return .notFound(e.description)
            case .storage: return APIError(.internalServerError, "storage", e.description)
            default: return APIError(.unprocessableContent, "refused", e.description)
            }
        case let e as AccessError:
            if case .unknownToken = e { return .notFound(e.description) }
            if case .invalidName = e { return .badRequest(e.description) }
            return APIError(.internalServerError, "storage", e.description)
        case let e as HTTPError:
            switch e.status {
            case .notFound: return .notFound("no such route; the API lives under /api/v1 (see /api/v1/openapi.json)")
            case .contentTooLarge: return APIError(.contentTooLarge, "too_large", "the request body is larger than the API accepts")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", e.body ?? "method not allowed on this route")
            default: return APIError(e.status, "http_error", e.body ?? e.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, "internal", "\(error)")
        }
    }
}
