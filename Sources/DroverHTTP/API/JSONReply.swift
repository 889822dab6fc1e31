import Crypto
import DroverArtifacts
import DroverProtocol
import Foundation
import Hummingbird

/// JSON answers with a strong ETag (SHA-256 of the body): a request whose `If-None-Match`
/// names it gets `304 Not Modified` and no body.
enum JSONReply {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys] // stable bytes → stable ETags
        e.nonConformingFloatEncodingStrategy = .droverStrings // a NaN metric is kept as logged
        return e
    }

    static func ok(_ value: some Encodable, for request: Request, status: HTTPResponse.Status = .ok) throws -> Response {
        ok(json: try encoder().encode(value), for: request, status: status)
    }

    /// An answer whose JSON is already written (keys sorted, as `encoder()` writes them).
    static func ok(json body: some DataProtocol, for request: Request, status: HTTPResponse.Status = .ok) -> Response {
        let tag = "\"" + Hex.lower(SHA256.hash(data: body).prefix(16)) + "\""
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .eTag: tag, .cacheControl: "no-cache"]
        if status == .ok, let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Decodes a JSON request body of at most `limit` bytes: 413 beyond it, 400 for bad JSON.
    static func body<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int = 1 << 20, what: String) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.contentTooLarge, "too_large", "\(what): the body is \(length) bytes; at most \(limit) are accepted")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "too_large", "\(what): the body is larger than \(limit) bytes")
        }
        do {
            return try JSONBody.decode(type, Array(buffer.readableBytesView), what: what)
        } catch {
            throw APIError.badRequest(error.description)
        }
    }
}

/// One page of a list: `next` is the cursor of the following page (pass it as `?cursor=`), null on the last.
struct Page<Item: Encodable>: Encodable {
    var items: [Item]
    var next: String?

    enum CodingKeys: String, CodingKey { case items, next }

    /// `next` is written as null on the last page (not left out), so clients can test for it.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(next, forKey: .next)
    }
}

extension Request {
    /// A query parameter as an integer in `range`, or `fallback` when absent; 400 when malformed.
    func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        try optionalInteger(name, in: range) ?? fallback
    }

    /// A query parameter as an integer in `range`, or nil when absent; 400 when malformed.
    func optionalInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = text(name) else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw APIError.badRequest("query parameter '\(name)' must be an integer in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return v
    }

    /// The `cursor` parameter (a previous page's `next`), or nil for the first page; 400 when it is not one.
    func cursor<T: LosslessStringConvertible>(as type: T.Type) throws -> T? {
        guard let cursor = text("cursor") else { return nil }
        guard let value = T(cursor) else { throw APIError.badRequest("cursor '\(cursor)' is not one this API gave out; use the 'next' of the previous page") }
        return value
    }

    func text(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }
}
