import Foundation

/// JSON coding of query and command bodies and their replies.
public enum JSONBody {
    /// Decodes a query's body; an empty body counts as `{}` (queries without parameters).
    public static func decode<Q: CoordinatorQuery>(_ type: Q.Type, _ body: [UInt8]) throws(RequestBodyError) -> Q {
        try decode(type, body, what: "query '\(Q.name)'")
    }

    /// Decodes a command's body; an empty body counts as `{}`.
    public static func decode<C: CoordinatorCommand>(_ type: C.Type, _ body: [UInt8]) throws(RequestBodyError) -> C {
        try decode(type, body, what: "command '\(C.name)'")
    }

    /// Decodes any body (a reply, for instance); `what` names it in the error.
    public static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], what: String) throws(RequestBodyError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body.isEmpty ? Data("{}".utf8) : Data(body))
        } catch {
            throw .malformedBody(what: what, detail: describe(error))
        }
    }

    public static func encode(_ value: some Encodable) throws(RequestBodyError) -> [UInt8] {
        do {
            return [UInt8](try JSONEncoder().encode(value))
        } catch {
            throw .unencodable(type: String(describing: type(of: value)), detail: "\(error)")
        }
    }

    /// "missing field 'id'" rather than the whole `DecodingError` dump.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.isEmpty ? "" : " at '" + c.codingPath.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch e {
        case .keyNotFound(let key, let c): return "missing field '\(key.stringValue)'\(path(c))"
        case .typeMismatch(let t, let c): return "expected \(t)\(path(c)): \(c.debugDescription)"
        case .valueNotFound(let t, let c): return "expected \(t)\(path(c)), got null"
        case .dataCorrupted(let c): return "not valid JSON\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}

/// Why a query or command could not be decoded (answered as REPLY with `code`).
public enum RequestBodyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No query (or command) of that name.
    case unknownName(String, message: String, known: [String])
    /// A command sent as QUERY, or a query sent as COMMAND.
    case wrongMessage(name: String, expected: String)
    case malformedBody(what: String, detail: String)
    case unencodable(type: String, detail: String)

    public var code: ErrorCode {
        switch self {
        case .unknownName, .wrongMessage: .unknownCommand
        case .malformedBody: .badRequest
        case .unencodable: .internal
        }
    }

    public var description: String {
        switch self {
        case .unknownName(let name, let message, let known):
            "unknown \(message) name '\(name)'; known: \(known.joined(separator: ", "))"
        case .wrongMessage(let name, let expected):
            "'\(name)' must be sent as \(expected)"
        case .malformedBody(let what, let detail):
            "\(what) has a malformed JSON body: \(detail)"
        case .unencodable(let type, let detail):
            "cannot encode \(type) as JSON: \(detail)"
        }
    }
}
