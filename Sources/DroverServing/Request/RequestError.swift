import Foundation

/// A request the server refuses or could not answer, with the HTTP status and a stable code;
/// rendered as `{"error":{"status":…,"code":…,"message":…}}` like the rest of the HTTP API.
public struct RequestError: Error, CustomStringConvertible, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func invalid(_ message: String) -> RequestError { RequestError(status: 400, code: "invalid_input", message) }
    public static func notFound(_ message: String) -> RequestError { RequestError(status: 404, code: "not_found", message) }

    public var description: String { "\(status) \(code): \(message)" }

    struct Body: Encodable {
        struct Inner: Encodable { var status: Int; var code: String; var message: String }
        var error: Inner
    }
}
