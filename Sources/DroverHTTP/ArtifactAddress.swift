/// Where the artifact server listens and how clients reach it: `http://HOST:PORT`, by default
/// the coordinator's host at the worker port + 2 (5557 beside 5555 and 5556).
public struct ArtifactAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `http://HOST:PORT`, `HOST:PORT` or `[V6]:PORT`.
    public init(parsing text: String) throws(ArtifactAddressError) {
        var rest = Substring(text)
        if rest.hasPrefix("http://") { rest = rest.dropFirst(7) } else if rest.contains("://") {
            throw ArtifactAddressError(text: text, reason: "the artifact server speaks plain HTTP: write http://HOST:PORT")
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
              (0...65_535).contains(port) else {
            throw ArtifactAddressError(text: text, reason: "expected http://HOST:PORT with a port between 0 and 65535")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ArtifactAddressError(text: text, reason: "the host is missing") }
        self.init(host: host, port: port)
    }

    /// The default beside a ZeroMQ endpoint `tcp://HOST:P` (bind or connect): `HOST:P+2`;
    /// the wildcard `*` becomes `0.0.0.0`.
    public static func beside(zmqEndpoint endpoint: String) -> ArtifactAddress? {
        guard let scheme = endpoint.range(of: "tcp://") else { return nil }
        let rest = endpoint[scheme.upperBound...]
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else { return nil }
        var host = String(rest[..<colon])
        if let semicolon = host.lastIndex(of: ";") { host = String(host[host.index(after: semicolon)...]) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "*" { host = "0.0.0.0" }
        return ArtifactAddress(host: host, port: port + 2)
    }

    /// The same address in the ZeroMQ form the bind rule checks (`tcp://HOST:PORT`).
    public var tcpEndpoint: String { host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)" }

    public var url: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }

    public var description: String { url }
}

public struct ArtifactAddressError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)' is not an artifact server address: \(reason)" }
}
