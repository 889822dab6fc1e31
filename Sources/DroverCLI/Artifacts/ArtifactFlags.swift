import ArgumentParser
import DroverArtifacts
import DroverCoordinator
import DroverHTTP
import Logging
import NativeThreads

/// The coordinator's artifact server settings (`drover coordinator`, `up`, `demo`).
struct ArtifactServerFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Artifact server (HTTP) address HOST:PORT, or 'none'. Default: the --bind host at its port + 2 (5557).",
        valueName: "address"))
    var artifactsBind: String?

    @Option(name: .long, help: ArgumentHelp("Largest artifact upload accepted (K, M, G, T suffixes).", valueName: "size"))
    var maxUpload = ByteSize(bytes: 64 << 30)

    @Flag(name: .long, help: "Serve artifacts over plain HTTP on a non-loopback --artifacts-bind although the sockets use CURVE (docs/security.md).")
    var plaintextArtifacts = false

    /// The address to serve on, `nil` for none.
    func address(besideWorkerEndpoint bind: String) throws -> ArtifactAddress? {
        if let artifactsBind {
            if artifactsBind == "none" { return nil }
            do { return try ArtifactAddress(parsing: artifactsBind) } catch {
                throw ValidationError("--artifacts-bind: \(error)")
            }
        }
        guard let beside = ArtifactAddress.beside(zmqEndpoint: bind) else {
            throw ValidationError("--artifacts-bind is needed when --bind (\(bind)) is not tcp://HOST:PORT; pass HOST:PORT or 'none'")
        }
        return beside
    }

    /// The bind rule of the ZeroMQ sockets, applied to the artifact port: beyond loopback only
    /// with `--insecure` (no keys) or `--plaintext-artifacts` (with CURVE keys, which HTTP does not use).
    func checkExposure(bind: String, secured: Bool, insecure: Bool) throws {
        guard let address = try address(besideWorkerEndpoint: bind), !BindExposure.isLoopback(address.tcpEndpoint) else { return }
        if secured, !plaintextArtifacts {
            throw ValidationError("""
            refusing to serve artifacts on \(address) in plain HTTP: CURVE protects the worker and client sockets, not the artifact port. \
            Artifacts are checked by digest on arrival but are readable by anyone who can reach the port, and anyone can upload.
            Either bind it to loopback (--artifacts-bind 127.0.0.1:PORT, workers on this host only), put it behind a firewall and pass \
            --plaintext-artifacts, or --artifacts-bind none (see docs/security.md).
            """)
        }
        if !secured, !insecure {
            if let refusal = BindExposure.refusal(endpoints: [address.tcpEndpoint], secured: false, insecure: false) {
                throw ValidationError(refusal.replacingOccurrences(of: "take jobs, read their parameters and results, and submit or cancel work",
                                                                   with: "download every artifact and upload new ones"))
            }
        }
    }

    /// The server over the data directory's store (serving `web` too), or `nil` with `--artifacts-bind none`.
    func server(bind: String, store: ArtifactStore, logger: Logger, web: WebAPI? = nil) throws -> ArtifactServer? {
        guard let address = try address(besideWorkerEndpoint: bind) else { return nil }
        return ArtifactServer(store: store, options: .init(address: address, maxUploadBytes: maxUpload.bytes), logger: logger, web: web)
    }
}

/// A worker's artifact settings: where the server is and the local cache.
struct ArtifactClientFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The coordinator's artifact server, http://HOST:PORT. Default: the --connect host at its port + 2.",
        valueName: "url"))
    var artifacts: String?

    @Option(name: .long, help: ArgumentHelp("Directory of this worker's artifact cache (shared by workers on one host).", valueName: "dir"))
    var cacheDir = ".drover-cache"

    @Option(name: .long, help: ArgumentHelp("Most bytes the artifact cache keeps (least recently used evicted; K, M, G, T suffixes).", valueName: "size"))
    var cacheSize = ByteSize(bytes: 10 << 30)

    func validate() throws {
        if let artifacts {
            do { _ = try ArtifactAddress(parsing: artifacts) } catch { throw ValidationError("--artifacts: \(error)") }
        }
        guard cacheSize.bytes > 0 else { throw ValidationError("--cache-size must be positive") }
    }

    /// The HTTP-backed access for `coordinator` (the worker endpoint it connects to).
    func access(coordinator: String) async throws -> any ArtifactAccess {
        let address: ArtifactAddress
        if let artifacts {
            address = try ArtifactAddress(parsing: artifacts)
        } else if let beside = ArtifactAddress.beside(zmqEndpoint: coordinator) {
            address = beside
        } else {
            return UnavailableArtifacts()
        }
        let dir = cacheDir, size = cacheSize.bytes
        let cache = try await runOffPool { try ArtifactCache(directory: dir, maxBytes: size) }
        return RemoteArtifacts(client: ArtifactClient(server: address), cache: cache)
    }
}
