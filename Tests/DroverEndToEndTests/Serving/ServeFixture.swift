import Crypto
import DroverCore
import DroverStore
import Foundation
import Testing

/// A data directory with churn models trained by the real `drover train` and registered the way a
/// pipeline does (model file in the artifact store, version in the registry), and `drover serve`
/// started on a free loopback port.
final class ServeFixture: @unchecked Sendable {
    // @unchecked Sendable: fields are set in init and only read afterwards.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let examples = repository.appendingPathComponent("examples/churn")

    let dir: URL
    var dataDir: String { dir.appendingPathComponent("data").path }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("data").path, withIntermediateDirectories: true)
        MetadataStoreOpener.create(dataDir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// `drover train` on `csv` → a model file in the fixture directory.
    func train(_ name: String, csv: String, extra: [String]) throws -> String {
        let out = dir.appendingPathComponent("\(name).drover").path
        let r = try drover(["train", csv, "--label", "churned", "--out", out, "--seed", "1"] + extra)
        guard r.status == 0 else { throw TestFailure("drover train failed: \(r.stderr)") }
        return out
    }

    /// span-1 with its labels shuffled: a model trained on it is worse than chance would suggest
    /// a real model is, with the same signature.
    func shuffledSpan() throws -> String {
        let text = try String(contentsOf: Self.examples.appendingPathComponent("span-1.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        var labels = lines.map { String($0.split(separator: ",").last!) }
        var rng = SystemRandomNumberGenerator()
        labels.shuffle(using: &rng)
        let body = zip(lines, labels).map { line, label in line.split(separator: ",").dropLast().joined(separator: ",") + "," + label }
        let path = dir.appendingPathComponent("shuffled.csv").path
        try ([header] + body).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Stores the file as an artifact and registers it as the next version of `churn`.
    func register(_ file: String, model: String = "churn") async throws -> Int {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let hex = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let folder = "\(dataDir)/artifacts/sha256/\(hex.prefix(2))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try bytes.write(to: URL(fileURLWithPath: "\(folder)/\(hex)"))
        let store = try MetadataStore(dataDirectory: dataDir)
        defer { store.close() }
        return try await ModelRegistry(store: store).registerVersion(model: model, artifactDigest: "sha256:\(hex)", metrics: [:], runID: nil).version
    }

    func promote(_ version: Int) throws {
        let r = try drover(["models", "promote", "churn", String(version), "--reason", "test", "--data-dir", dataDir])
        guard r.status == 0 else { throw TestFailure("promote failed: \(r.stderr)") }
    }

    /// Starts `drover serve churn` and returns it with its HTTP port (read from its first line).
    func serve(_ extra: [String] = [], name: String = "serve") throws -> (DroverProcess, HTTPProbe) {
        let p = try DroverProcess(["serve", "churn", "--http", "127.0.0.1:0", "--data-dir", dataDir, "--poll-ms", "50",
                                   "--decide-ms", "100"] + extra, name: name, in: dir)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let line = p.output.split(separator: "\n").first(where: { $0.hasPrefix("serving churn") }),
               let range = line.range(of: "http://127.0.0.1:"),
               let port = Int(line[range.upperBound...].prefix { $0.isNumber }) {
                return (p, HTTPProbe(port: port))
            }
            if !p.process.isRunning { break }
            usleep(20_000)
        }
        throw TestFailure("drover serve did not start: \(p.output)")
    }

    /// The rows of span-2 (unseen in training) as request JSON, with their true labels.
    static func rows(limit: Int = 2_000) throws -> [(json: String, label: String)] {
        let text = try String(contentsOf: examples.appendingPathComponent("span-2.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().prefix(limit).map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let json = #"{"tenure_months":\#(f[0]),"monthly_spend":\#(f[1]),"support_tickets":\#(f[2]),"plan":"\#(f[3])","region":"\#(f[4])"}"#
            return (json, f[5])
        }
    }
}

/// Creates the metadata store file so `--data-dir` is accepted.
enum MetadataStoreOpener {
    static func create(_ dir: String) {
        (try? MetadataStore(dataDirectory: dir))?.close()
    }
}
