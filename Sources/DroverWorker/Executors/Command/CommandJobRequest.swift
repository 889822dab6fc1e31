import DroverArtifacts
import DroverCore
import Foundation

/// A `command` job's parameters, parsed and checked (docs/commands.md):
///
/// - `argv` (required): a JSON array of strings, the program first: `["python3","train.py","--lr","0.1"]`.
/// - `env`: a JSON object of extra environment variables (`DROVER_*` are the worker's).
/// - `cwd`: a directory relative to the worker's command root; default: the attempt's own directory.
/// - `inputs`: a JSON object, file name → artifact (`sha256:<hex>:<size>`), materialised in `$DROVER_INPUT_DIR`.
/// - `grace_ms`: between SIGTERM and SIGKILL when the attempt is stopped (default 5000).
/// - `memory_bytes`, `cpu_seconds`, `cpus`: limits for the command's processes.
/// - `run_id`: the pipeline run this job belongs to (`$DROVER_RUN_ID`).
/// - `preload`: a JSON array of Python modules; the program (`python SCRIPT …` or `python -m
///   MODULE …`) runs in a fork of a warm interpreter that imported them once (`WarmInterpreters`).
public struct CommandJobRequest: Sendable, Equatable {
    public var argv: [String]
    public var env: [String: String] = [:]
    public var cwd: String?
    public var inputs: [String: ArtifactRef] = [:]
    /// Inputs made of several artifacts (a features step's shards), concatenated in order into
    /// one file; the header line of every part after the first is skipped (CSV shards).
    public var inputParts: [String: [ArtifactRef]] = [:]
    /// CPUs for the command, fractions allowed: a cgroup CPU quota where the worker has one, and
    /// `OMP_NUM_THREADS` and friends set to it (rounded up).
    public var cpus: Double?
    public var graceMs: Int64 = 5_000
    public var memoryBytes: Int64?
    public var cpuSeconds: Int64?
    public var runID: String?
    /// Python modules a warm interpreter imports once for all attempts (empty: a fresh process).
    public var preload: [String] = []

    public static let parameterNames: Set<String> = ["argv", "env", "cwd", "inputs", "grace_ms", "memory_bytes", "cpu_seconds", "run_id", "cpus", "preload"]

    public init(argv: [String]) { self.argv = argv }

    public init(params: [String: String]) throws(JobFailure) {
        if let unknown = params.keys.sorted().first(where: { !Self.parameterNames.contains($0) }) {
            throw JobFailure("command: unknown parameter '\(unknown)'; the parameters are \(Self.parameterNames.sorted().joined(separator: ", "))")
        }
        guard let text = params["argv"] else {
            throw JobFailure("command: parameter 'argv' is missing; give the program and its arguments as a JSON array, e.g. [\"python3\",\"train.py\"]")
        }
        guard let argv = Self.decode([String].self, text), let program = argv.first, !program.isEmpty else {
            throw JobFailure("command: parameter 'argv' must be a non-empty JSON array of strings, e.g. [\"python3\",\"train.py\"]; got \(text.prefix(200))")
        }
        if argv.contains(where: { $0.utf8.contains(0) }) { throw JobFailure("command: 'argv' contains a NUL byte") }
        self.argv = argv
        if let text = params["env"] {
            guard let env = Self.decode([String: String].self, text) else {
                throw JobFailure("command: parameter 'env' must be a JSON object of strings, e.g. {\"SEED\":\"1\"}")
            }
            for name in env.keys.sorted() {
                guard Self.isVariableName(name) else {
                    throw JobFailure("command: env name '\(name)' is not a valid variable name (letters, digits, _; not starting with a digit)")
                }
                if name.hasPrefix("DROVER_") { throw JobFailure("command: env name '\(name)' is reserved: DROVER_* variables are set by the worker") }
            }
            if env.values.contains(where: { $0.utf8.contains(0) }) { throw JobFailure("command: an 'env' value contains a NUL byte") }
            self.env = env
        }
        if let cwd = params["cwd"], !cwd.isEmpty { self.cwd = cwd }
        if let text = params["inputs"] {
            guard let named = Self.decode([String: String].self, text) else {
                throw JobFailure("command: parameter 'inputs' must be a JSON object, file name → artifact, e.g. {\"train.csv\":\"sha256:…:1234\"}")
            }
            for (name, ref) in named.sorted(by: { $0.key < $1.key }) {
                guard Self.isPlainFileName(name) else {
                    throw JobFailure("command: input name '\(name)' must be a plain file name (no '/', not '.' or '..')")
                }
                do {
                    let parts = try ref.split(separator: ",").map { (s) throws(ArtifactError) in try ArtifactRef(parsing: String(s)) }
                    if parts.count == 1 { inputs[name] = parts[0] } else { inputParts[name] = parts }
                } catch {
                    throw JobFailure("command: input '\(name)': \(error)")
                }
            }
        }
        graceMs = try Self.number(params, "grace_ms", range: 0...600_000) ?? graceMs
        memoryBytes = try Self.number(params, "memory_bytes", range: 1 << 20...Int64.max)
        cpuSeconds = try Self.number(params, "cpu_seconds", range: 1...1_000_000_000)
        runID = params["run_id"]
        if let text = params["cpus"] {
            guard let n = Double(text), n >= 0.01, n <= 1024 else {
                throw JobFailure("command: parameter 'cpus' must be a number from 0.01 to 1024 (e.g. 0.5 or 2), got '\(text)'")
            }
            cpus = n
        }
        if let text = params["preload"] {
            guard let modules = Self.decode([String].self, text), !modules.isEmpty, modules.count <= 64 else {
                throw JobFailure("command: parameter 'preload' must be a JSON array of 1 to 64 Python module names, e.g. [\"numpy\",\"sklearn.ensemble\"]")
            }
            if let bad = modules.first(where: { !CommandTemplate.isPythonModuleName($0) }) {
                throw JobFailure("command: preload: '\(bad)' is not a Python module name (dotted identifiers, e.g. sklearn.ensemble)")
            }
            guard argv.count >= 2 else {
                throw JobFailure("command: preload needs a Python program: [\"python3\", \"SCRIPT.py\", …] or [\"python3\", \"-m\", \"MODULE\", …]")
            }
            preload = modules
        }
        for (i, arg) in argv.enumerated() {
            guard case .success(let refs) = CommandTemplate.references(in: arg) else { continue }
            for r in refs where r.kind == .inputs && inputs[r.name] == nil && inputParts[r.name] == nil {
                throw JobFailure("command: argv[\(i)] uses '\(r.text)' but the job has no input named '\(r.name)'")
            }
        }
    }

    /// `argv` with `{{ inputs.NAME }}` replaced by the materialised file's path.
    public func expandedArgv(inputDirectory: String) -> [String] {
        let names = Set(inputs.keys).union(inputParts.keys)
        let paths = Dictionary(uniqueKeysWithValues: names.map { ($0, inputDirectory + "/" + $0) })
        return argv.map { CommandTemplate.expand($0, .inputs, paths) }
    }

    /// The parameters that describe this request (the inverse of `init(params:)`).
    public var params: [String: String] {
        var p = ["argv": Self.encode(argv)]
        if !env.isEmpty { p["env"] = Self.encode(env) }
        if let cwd { p["cwd"] = cwd }
        if !inputs.isEmpty || !inputParts.isEmpty {
            let all = inputs.mapValues(\.description).merging(inputParts.mapValues { $0.map(\.description).joined(separator: ",") }) { a, _ in a }
            p["inputs"] = Self.encode(all)
        }
        if let cpus { p["cpus"] = cpus == cpus.rounded() ? "\(Int(cpus))" : "\(cpus)" }
        if graceMs != 5_000 { p["grace_ms"] = "\(graceMs)" }
        if let memoryBytes { p["memory_bytes"] = "\(memoryBytes)" }
        if let cpuSeconds { p["cpu_seconds"] = "\(cpuSeconds)" }
        if let runID { p["run_id"] = runID }
        if !preload.isEmpty { p["preload"] = Self.encode(preload) }
        return p
    }

    public static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.utf8.contains(0)
    }

    public static func isVariableName(_ name: String) -> Bool { CommandTemplate.isIdentifier(name) }

    private static func number(_ params: [String: String], _ name: String, range: ClosedRange<Int64>) throws(JobFailure) -> Int64? {
        guard let text = params[name] else { return nil }
        guard let n = Int64(text), range.contains(n) else {
            throw JobFailure("command: parameter '\(name)' must be a whole number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return n
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    private static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "[]"
    }
}
