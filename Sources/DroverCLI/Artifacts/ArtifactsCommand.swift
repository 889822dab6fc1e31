import ArgumentParser
import DroverArtifacts
import DroverHTTP
import Foundation
import NativeThreads

struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts",
        abstract: "Put artifacts into a coordinator's content-addressed store and get them back, over its artifact server.",
        discussion: """
        Examples:
          drover artifacts put model.bin                         # prints sha256:<64 hex>:<size>
          drover artifacts get sha256:…:1234 --out model.bin --connect tcp://coord-host:5555
          drover artifacts put data.csv --artifacts http://coord-host:5557 --json

        The server is the coordinator's host at its worker port + 2, or --artifacts.
        """,
        subcommands: [ArtifactsPut.self, ArtifactsGet.self])
}

/// Where the artifact server is: `--artifacts`, or beside `--connect`.
struct ArtifactServerLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Coordinator address; its artifact server is at its port + 2. Default: $DROVER_COORDINATOR or tcp://127.0.0.1:5555.", valueName: "endpoint"))
    var connect: String?
    @Option(name: .long, help: ArgumentHelp("The artifact server itself, http://HOST:PORT (overrides --connect).", valueName: "url"))
    var artifacts: String?

    init() {}

    init(connect: String?, artifacts: String?) {
        self.connect = connect
        self.artifacts = artifacts
    }

    func address() throws(CLIError) -> ArtifactAddress {
        if let artifacts {
            do { return try ArtifactAddress(parsing: artifacts) } catch { throw CLIError("--artifacts: \(error)", exitCode: DroverExit.usage) }
        }
        let coordinator = connect ?? ProcessInfo.processInfo.environment["DROVER_COORDINATOR"] ?? "tcp://127.0.0.1:5555"
        guard let address = ArtifactAddress.beside(zmqEndpoint: coordinator) else {
            throw CLIError("cannot derive the artifact server from '\(coordinator)'", hint: "pass --artifacts http://HOST:PORT", exitCode: DroverExit.usage)
        }
        return address
    }
}

struct ArtifactsPut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Upload a file; prints its reference (sha256:<64 hex>:<size>).",
        discussion: "Example:\n  drover artifacts put examples/churn/span-1.csv")

    @Argument(help: "The file to store.")
    var file: String
    @OptionGroup var location: ArtifactServerLocation
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            let client = ArtifactClient(server: try location.address())
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw CLIError("cannot read \(file)", hint: "check the path", exitCode: DroverExit.usage)
            }
            let ref: ArtifactRef
            do { ref = try await client.upload(fileAt: file) } catch { throw CLIError("\(error)") }
            if output.json { return try Output.json(ref) }
            Output.line(ref.description)
        }
    }
}

struct ArtifactsGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Download an artifact (digest and size checked) to a file.",
        discussion: "Example:\n  drover artifacts get sha256:…:1234 --out model.bin")

    @Argument(help: "The artifact: sha256:<64 hex>:<size>, or sha256:<64 hex> (the size is asked first).")
    var artifact: String
    @Option(name: .long, help: "Where to write it (must not exist).")
    var out: String
    @OptionGroup var location: ArtifactServerLocation

    func run() async throws {
        try await Output.run {
            let client = ArtifactClient(server: try location.address())
            guard !FileManager.default.fileExists(atPath: out) else {
                throw CLIError("\(out) exists; artifacts are never written over a file", hint: "choose another --out", exitCode: DroverExit.usage)
            }
            do {
                let ref: ArtifactRef
                if let parsed = try? ArtifactRef(parsing: artifact) { ref = parsed } else {
                    let digest: ArtifactDigest
                    do { digest = try ArtifactDigest(parsing: artifact) } catch { throw CLIError("\(error)", exitCode: DroverExit.usage) }
                    ref = try await client.head(digest)
                }
                // Downloaded into a cache beside --out (same file system), then renamed.
                let staging = out + ".drover-partial"
                defer { try? FileManager.default.removeItem(atPath: staging) }
                let cache = try await runOffPool { try ArtifactCache(directory: staging, maxBytes: max(1, ref.size)) }
                let path = try await client.download(ref, into: cache)
                try FileManager.default.moveItem(atPath: path, toPath: out)
                Output.error("\(ref) → \(out)")
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("\(error)")
            }
        }
    }
}
