import ArgumentParser
import DroverStore
import Foundation

/// `--data-dir` for commands that read the metadata store and the registry.
///
/// These commands open `<data-dir>/metadata.sqlite` directly (WAL: safe beside a running
/// coordinator, which writes through its own connection). On a multi-host cluster run them on
/// the coordinator's host; typed queries through the coordinator are the planned path
/// (docs/registry.md, "Access").
struct MetadataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The coordinator's data directory. Default: $DROVER_DATA_DIR or .drover.", valueName: "dir"))
    var dataDir: String?

    var path: String { dataDir ?? ProcessInfo.processInfo.environment["DROVER_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".drover" }

    /// Opens the store; a data directory without one is an input error (exit 2), not a new file.
    func open() throws -> (MetadataStore, ModelRegistry) {
        let file = URL(fileURLWithPath: path).appendingPathComponent(MetadataStore.fileName).path
        guard FileManager.default.fileExists(atPath: file) else {
            throw CLIError.input("no metadata store at \(file)",
                                 hint: "pass the coordinator's --data-dir (or set DROVER_DATA_DIR); runs and models are recorded there")
        }
        do {
            let store = try MetadataStore(path: file)
            return (store, ModelRegistry(store: store))
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// Creates the directory and its metadata store when there is none yet: for the commands that
    /// start a data directory of their own (registering a model trained by hand, defining feature views).
    func createIfMissing() throws {
        guard !FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent(MetadataStore.fileName).path) else { return }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        do { try MetadataStore(dataDirectory: path).close() } catch { throw CLIError("\(error)") }
    }
}

/// Who moved an alias: $DROVER_ACTOR, else user@host.
enum Actor {
    static var current: String {
        let env = ProcessInfo.processInfo.environment
        if let a = env["DROVER_ACTOR"], !a.isEmpty { return a }
        return "\(env["USER"] ?? env["LOGNAME"] ?? "unknown")@\(ProcessInfo.processInfo.hostName)"
    }
}

/// Maps registry errors to exit codes at the edge: unknown names and bad input → 2, storage → 1.
func cliError(_ error: Error) -> Error {
    switch error {
    case let e as RegistryError:
        if case .storage = e { return CLIError(e.description) }
        return CLIError.input(e.description)
    case let e as MetadataStoreError:
        return CLIError(e.description)
    default:
        return error
    }
}

/// `churn`, `churn@champion` or `churn:3`.
struct ModelReference: ExpressibleByArgument, CustomStringConvertible {
    enum Selector: Equatable { case none, alias(String), version(Int) }
    var model: String
    var selector: Selector

    init?(argument: String) {
        if let at = argument.firstIndex(of: "@") {
            model = String(argument[..<at])
            let alias = String(argument[argument.index(after: at)...])
            guard !alias.isEmpty else { return nil }
            selector = .alias(alias)
        } else if let colon = argument.firstIndex(of: ":") {
            model = String(argument[..<colon])
            guard let v = Int(argument[argument.index(after: colon)...]), v > 0 else { return nil }
            selector = .version(v)
        } else {
            model = argument
            selector = .none
        }
        if model.isEmpty { return nil }
    }

    var description: String {
        switch selector {
        case .none: model
        case .alias(let a): "\(model)@\(a)"
        case .version(let v): "\(model):\(v)"
        }
    }

    static var defaultCompletionKind: CompletionKind { .default }

    func resolve(_ registry: ModelRegistry, default alias: String? = nil) async throws -> ModelVersion? {
        switch selector {
        case .alias(let a): try await registry.resolve(model: model, alias: a)
        case .version(let v): try await registry.version(model: model, v)
        case .none: try await alias.asyncMap { try await registry.resolve(model: model, alias: $0) }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ body: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await body(self)
    }
}

/// Unix seconds as ISO 8601 (UTC, seconds).
func isoTime(_ seconds: Double) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date(timeIntervalSince1970: seconds))
}

/// Left-aligned columns, two spaces apart.
func columns(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    return ([header] + rows).map { r in
        r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}
