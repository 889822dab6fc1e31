/// The convention tying the two coordinator sockets together: clients use the worker
/// port + 1, so one address (`tcp://host:5555`) names a coordinator for everyone.
public enum Endpoint {
    public static let defaultCoordinator = "tcp://127.0.0.1:5555"

    public static func clientEndpoint(forWorkerEndpoint endpoint: String) -> String {
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]),
              port > 0 else { return endpoint }
        return endpoint[..<colon] + ":\(port + 1)"
    }

    /// The host of a `tcp://HOST:PORT` endpoint (`127.0.0.1` when there is none).
    public static func host(of endpoint: String) -> String {
        let rest = endpoint.hasPrefix("tcp://") ? String(endpoint.dropFirst(6)) : endpoint
        guard let colon = rest.lastIndex(of: ":") else { return "127.0.0.1" }
        return String(rest[..<colon])
    }

    /// Whether `host` binds every interface (`*`, `0.0.0.0`, `::`): not an address to connect to.
    public static func isWildcard(_ host: String) -> Bool {
        ["*", "0.0.0.0", "::", "[::]"].contains(host)
    }

    /// `endpoint` as a peer can connect to it: a socket the coordinator bound on every interface
    /// (`tcp://0.0.0.0:PORT`) is reached at the host the peer reaches the coordinator by.
    public static func connectable(_ endpoint: String, coordinator: String) -> String {
        let host = host(of: endpoint)
        guard isWildcard(host), endpoint.hasPrefix("tcp://") else { return endpoint }
        return "tcp://\(Self.host(of: coordinator))" + endpoint.dropFirst(6 + host.count)
    }
}
