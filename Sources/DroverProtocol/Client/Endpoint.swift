/// The convention tying the two coordinator sockets together: clients use the worker
/// port + 1, so one address (`tcp://host:5555`) names a coordinator for everyone.
public enum Endpoint {
    public static let defaultCoordinator = "tcp://127.0.0.1:5555"

    public static func clientEndpoint(forWorkerEndpoint endpoint: String) -> String {
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]),
              port > 0 else { return endpoint }
        return endpoint[..<colon] + ":\(port + 1)"
    }
}
