import DroverArtifacts
import DroverHTTP
import Foundation
import Logging

/// A scratch directory for one test (removed by `cleanup()`).
struct ScratchDir {
    let path = NSTemporaryDirectory() + "drover-http-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    func file(_ name: String, bytes: [UInt8]) throws -> String {
        _ = FileManager.default.createFile(atPath: path + "/" + name, contents: Data(bytes))
        return path + "/" + name
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Deterministic bytes that differ by seed (a multiplicative hash of the position).
func randomBytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    let k = (seed &* 0x9E37_79B9_7F4A_7C15) | 1
    return (0..<count).map { UInt8(truncatingIfNeeded: (UInt64($0) &* k) >> 29) }
}

/// Runs a real artifact server on 127.0.0.1 (a free port) over `store` while `body` runs.
func withServer<T: Sendable>(store: ArtifactStore, maxUploadBytes: Int64 = 1 << 30,
                             _ body: @Sendable (ArtifactAddress) async throws -> T) async throws -> T {
    let server = ArtifactServer(store: store,
                                options: .init(address: ArtifactAddress(host: "127.0.0.1", port: 0), maxUploadBytes: maxUploadBytes),
                                logger: Logger(label: "test.artifacts"))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        defer { group.cancelAll() }
        let address = try await server.waitUntilReady()
        return try await body(address)
    }
}

/// Overwrites a stored (read-only) artifact file, as disk damage or a careless operator would.
func damage(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
    chmod(path, 0o644)
    var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    change(&bytes)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
