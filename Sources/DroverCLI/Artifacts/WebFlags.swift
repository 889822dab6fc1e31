import ArgumentParser
import DroverCoordinator
import DroverHTTP

/// `--http`: the HTTP API, metrics, event stream and dashboard on an address of their own
/// (they are served on the artifact port too), over HTTPS with `--tls-cert` and `--tls-key`.
struct WebFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Serve the dashboard, /api/v1, /metrics and events on HOST:PORT as well (e.g. 127.0.0.1:8080).", valueName: "address"))
    var http: String?

    @Option(name: .long, help: ArgumentHelp("Serve --http over HTTPS with this PEM certificate (chain); needs --tls-key.", valueName: "file"))
    var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Flag(name: .long, help: "Serve --http in plain HTTP on a non-loopback address although the sockets use CURVE (bearer tokens travel in clear text).")
    var plaintextHTTP = false

    func address() throws -> ArtifactAddress? {
        guard let http else { return nil }
        do { return try ArtifactAddress(parsing: http) } catch { throw ValidationError("--http: \(error)") }
    }

    /// The certificate and key, loaded (a bad file is a usage error naming it).
    func tls() throws -> TLSIdentity? {
        guard let tlsCert, let tlsKey else { return nil }
        do { return try TLSIdentity(certificatePath: tlsCert, keyPath: tlsKey) } catch { throw ValidationError("\(error)") }
    }

    /// The bind rule of the ZeroMQ sockets: beyond loopback only over TLS, with `--insecure` (no
    /// keys) or with `--plaintext-http` (with CURVE keys, which HTTP does not use).
    func checkExposure(secured: Bool, insecure: Bool) throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give both (e.g. from `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem -subj /CN=HOST`)")
        }
        if tlsCert != nil, http == nil { throw ValidationError("--tls-cert applies to --http: give --http HOST:PORT too") }
        if tlsCert != nil { _ = try tls(); return }
        guard let address = try address(), !BindExposure.isLoopback(address.tcpEndpoint) else { return }
        if secured, !plaintextHTTP {
            throw ValidationError("""
            refusing to serve HTTP on \(address) in the clear: CURVE protects the ZeroMQ sockets, not HTTP, and API tokens would \
            cross the network readable. Give --tls-cert and --tls-key, bind --http to loopback (127.0.0.1:PORT) behind a TLS proxy, \
            or pass --plaintext-http on a network you trust.
            """)
        }
        if !secured, !insecure, let refusal = BindExposure.refusal(endpoints: [address.tcpEndpoint], secured: false, insecure: false) {
            throw ValidationError(refusal.replacingOccurrences(of: "take jobs, read their parameters and results, and submit or cancel work",
                                                               with: "read the API with a stolen token, and every token crosses the network readable")
                                  + " Or serve HTTPS with --tls-cert and --tls-key.")
        }
    }
}
