import ArgumentParser
import DroverArtifacts
import DroverHTTP
import Foundation
import NativeThreads

struct ArtifactsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts",
        abstract: "Artifact transfer on loopback: a real coordinator serves one artifact, this process downloads it into a fresh worker cache.",
        discussion: """
        Examples:
          drover bench artifacts                    # 1 GiB, 3 runs, medians
          drover bench artifacts --size 256M --runs 5 --json

        Each run downloads the whole artifact over HTTP into an empty cache, checking its SHA-256
        on arrival (GB/s = 10^9 bytes/s). Then a second lookup of the same artifact is timed and
        the bytes received during it are counted: a cache hit transfers nothing. Also prints the
        SHA-256 rate of this machine and the rate of writing as many bytes into a new file: the two
        ceilings of a checked download, which runs them side by side.
        """)

    @Option(name: .long, help: "Artifact size (K, M, G suffixes).")
    var size = ByteSize(bytes: 1 << 30)
    @Option(name: .long, help: "Downloads measured (the median is reported).")
    var runs: Int = 3
    @Option(name: .long, help: "First of three consecutive free TCP ports (coordinator, clients, artifacts).")
    var port: Int = 25_655
    @Option(name: .long, help: "Directory for the data (default: a new one under $TMPDIR, removed after).")
    var dir: String?
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var bytes: Int64
        var runs: Int
        var downloadSeconds: [Double]
        var medianGBPerSecond: Double
        var sha256GBPerSecond: Double
        /// Writing as many bytes into a new file (page cache, no fsync), timed after the runs:
        /// the other ceiling of a download, which must do the same.
        var newFileWriteGBPerSecond: Double
        var cacheHitMicros: Double
        var cacheHitBytesReceived: Int64
        var server: String
    }

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard size.bytes > 0 else { throw ValidationError("--size must be positive") }
    }

    func run() async throws {
        try await Output.run {
            let root = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("drover-bench-artifacts-\(getpid())").path
            defer { if dir == nil { try? FileManager.default.removeItem(atPath: root) } }
            let bytes = size.bytes
            let (ref, hashSeconds) = try await runOffPool { () throws -> (ArtifactRef, Double) in
                let source = root + "/input.bin"
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
                try Self.writePseudoRandom(bytes: bytes, to: source)
                let started = ContinuousClock.now
                let check = try FileHashing.digest(ofFileAt: source)
                let hashSeconds = (ContinuousClock.now - started).seconds
                let ref = try ArtifactStore(dataDirectory: root + "/data").put(fileAt: source, expected: check.digest)
                try FileManager.default.removeItem(atPath: source)
                return (ref, hashSeconds)
            }
            let address = ArtifactAddress(host: "127.0.0.1", port: port + 2)
            let coordinator = try ChildProcess(executable: currentExecutable, arguments: [
                "coordinator", "--bind", "tcp://127.0.0.1:\(port)", "--data-dir", root + "/data",
                "--artifacts-bind", "127.0.0.1:\(port + 2)", "--log-level", "warning",
            ], name: "coordinator")
            defer { coordinator.terminate() }
            let client = ArtifactClient(server: address)
            try await waitForServer(client, ref: ref, coordinator: coordinator)
            var seconds: [Double] = []
            var hitMicros = 0.0, hitBytes: Int64 = 0
            for run in 1...runs {
                let cacheDir = root + "/cache-\(run)"
                let cache = try await runOffPool { try ArtifactCache(directory: cacheDir, maxBytes: bytes) }
                let access = RemoteArtifacts(client: client, cache: cache)
                let started = ContinuousClock.now
                _ = try await access.localPath(ref)
                seconds.append((ContinuousClock.now - started).seconds)
                let before = client.receivedBytes, hitStarted = ContinuousClock.now
                _ = try await access.localPath(ref)
                hitMicros = (ContinuousClock.now - hitStarted).seconds * 1e6
                hitBytes = client.receivedBytes - before
                try? FileManager.default.removeItem(atPath: cacheDir)
            }
            let writeSeconds = try await runOffPool { try Self.timeNewFileWrite(bytes: bytes, at: root + "/write-probe.bin") }
            let medianSeconds = median(seconds)
            let report = Report(bytes: bytes, runs: runs, downloadSeconds: seconds, medianGBPerSecond: Double(bytes) / medianSeconds / 1e9,
                                sha256GBPerSecond: Double(bytes) / hashSeconds / 1e9,
                                newFileWriteGBPerSecond: Double(bytes) / writeSeconds / 1e9, cacheHitMicros: hitMicros,
                                cacheHitBytesReceived: hitBytes, server: "drover coordinator child process, \(address)")
            if output.json { return try Output.json(report) }
            Output.line(String(format: "drover artifacts: %@ artifact over HTTP on loopback into an empty cache, SHA-256 checked on arrival",
                               ByteSize(bytes: bytes).description))
            Output.line("  runs (s): " + seconds.map { String(format: "%.3f", $0) }.joined(separator: ", "))
            Output.line(String(format: "  median: %.3f s = %.2f GB/s (SHA-256 alone on this machine: %.2f GB/s)",
                               medianSeconds, report.medianGBPerSecond, report.sha256GBPerSecond))
            Output.line(String(format: "  writing %@ into a new file alone (page cache, no fsync), after the runs: %.2f GB/s",
                               ByteSize(bytes: bytes).description, report.newFileWriteGBPerSecond))
            Output.line(String(format: "  cache hit: %.0f µs, %lld bytes received", hitMicros, hitBytes))
        }
    }

    /// Waits (bounded) until the child serves the artifact.
    private func waitForServer(_ client: ArtifactClient, ref: ArtifactRef, coordinator: ChildProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await client.head(ref.digest)) == ref { return }
            guard coordinator.isAlive else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CLIError("the benchmark's coordinator did not serve artifacts on port \(port + 2) (is one of ports \(port)…\(port + 2) taken?)",
                       hint: "pass --port with three free consecutive ports")
    }

    /// Seconds to write `bytes` (1 MiB blocks from memory) into a new file, without fsync; the
    /// file is removed. On a VM that returns freed memory to its host (virtio-balloon free page
    /// reporting), each new page-cache page can cost a host fault: 0.26–3.0 s per GiB measured
    /// with `dd` on the development machine, depending on how long ago the memory was freed.
    static func timeNewFileWrite(bytes: Int64, at path: String) throws -> Double {
        let block = Data(repeating: 0xA5, count: 1 << 20)
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CLIError("cannot create \(path)") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let started = ContinuousClock.now
        var left = bytes
        while left > 0 {
            let n = Int(min(left, Int64(block.count)))
            try handle.write(contentsOf: block.prefix(n))
            left -= Int64(n)
        }
        return (ContinuousClock.now - started).seconds
    }

    /// `bytes` of SplitMix64 output, written in 1 MiB blocks (incompressible, like real data).
    static func writePseudoRandom(bytes: Int64, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CLIError("cannot create \(path)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var state: UInt64 = 42
        var block = [UInt64](repeating: 0, count: 1 << 17)
        var left = bytes
        while left > 0 {
            for i in block.indices {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                block[i] = z ^ (z >> 31)
            }
            let n = Int(min(left, Int64(block.count * 8)))
            try block.withUnsafeBytes { try handle.write(contentsOf: Data($0.prefix(n))) }
            left -= Int64(n)
        }
    }
}

extension Duration {
    // fileprivate: other commands may define their own.
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
