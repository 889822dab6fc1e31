/// The rule that a coordinator never listens beyond this machine in the clear by accident.
public enum BindExposure {
    /// Whether `endpoint` can only be reached from this machine: `tcp://127.x.x.x:P`,
    /// `tcp://localhost:P`, `tcp://[::1]:P`, `tcp://lo:P`, `ipc://…`, `inproc://…`.
    /// Wildcards (`*`, `0.0.0.0`, `[::]`), interface names and other addresses are not.
    public static func isLoopback(_ endpoint: String) -> Bool {
        guard let schemeEnd = endpoint.range(of: "://") else { return false }
        let scheme = endpoint[..<schemeEnd.lowerBound]
        if scheme == "ipc" || scheme == "inproc" { return true }
        guard scheme == "tcp" else { return false }
        var host = String(endpoint[schemeEnd.upperBound...])
        // Drop the port and a "source;" prefix (libzmq's tcp://src;dst form binds dst).
        if let semicolon = host.lastIndex(of: ";") { host = String(host[host.index(after: semicolon)...]) }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" || host == "lo" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Why these options must not start, or `nil` if they may: a non-loopback bind needs CURVE
    /// keys unless `insecure` was chosen explicitly.
    public static func refusal(for options: CoordinatorOptions) -> String? {
        refusal(endpoints: [options.workerEndpoint, options.clientEndpoint], secured: options.security != nil,
                insecure: options.insecure)
    }

    /// The same rule before the keys are loaded (`secured`: keys were given).
    public static func refusal(endpoints: [String], secured: Bool, insecure: Bool) -> String? {
        guard !secured, !insecure else { return nil }
        let exposed = endpoints.filter { !isLoopback($0) }
        guard let first = exposed.first else { return nil }
        return """
        refusing to bind \(first) without CURVE keys: anyone who can reach it could take jobs, \
        read their parameters and results, and submit or cancel work, all in clear text.
        Either secure it: drover keys generate --out keys --name coordinator (and one key per worker and client), \
        then add --curve-secret keys/coordinator.key --allow-workers workers.allow --allow-clients clients.allow \
        (see docs/security.md);
        or, on a network you trust completely, pass --insecure.
        """
    }
}
