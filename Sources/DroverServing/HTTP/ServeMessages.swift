import Foundation
import NIOCore
import NIOHTTP1

/// A request to `drover serve` as its routes see it: method, path (without the query), headers, body.
struct ServeRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var headers: HTTPHeaders
    var body: ByteBuffer
}

/// An answer of `drover serve`: written by `ServeHTTPHandler`, which adds Content-Length and
/// Connection.
struct ServeResponse: Sendable {
    var status: Int
    var contentType: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8]

    static func text(_ status: Int, _ text: String) -> ServeResponse {
        ServeResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    static func json(_ bytes: [UInt8], status: Int = 200, headers: [(name: String, value: String)] = []) -> ServeResponse {
        ServeResponse(status: status, contentType: "application/json; charset=utf-8", headers: headers, body: bytes)
    }
}

/// What a route does with a request: answer it on the spot (on the connection's event loop:
/// computation only, no file or socket call, no waiting) or later, from a task.
enum ServeRoute: Sendable {
    case now(ServeResponse)
    case later(@Sendable () async -> ServeResponse)
}

extension RequestError {
    /// `{"error":{"status":…,"code":…,"message":…}}`, as the rest of the HTTP API answers.
    var response: ServeResponse {
        let body = (try? JSONEncoder().encode(Body(error: .init(status: status, code: code, message: message)))) ?? Data()
        return .json(Array(body), status: status, headers: [("Cache-Control", "no-store")])
    }
}
