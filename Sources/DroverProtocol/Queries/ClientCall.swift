/// A read-only question to the coordinator: sent as QUERY with `name` and the value as its JSON
/// body; the REPLY body is `Reply` as JSON (or a `QueryError` with a non-zero code).
public protocol CoordinatorQuery: Codable, Sendable {
    associatedtype Reply: Codable & Sendable
    static var name: String { get }
}

/// A request that changes the coordinator's state: sent as COMMAND, answered like a query.
/// Kept apart from queries so that read-only access (an HTTP GET, a read-only key) can be
/// granted without the power to change anything.
public protocol CoordinatorCommand: Codable, Sendable {
    associatedtype Reply: Codable & Sendable
    static var name: String { get }
}
