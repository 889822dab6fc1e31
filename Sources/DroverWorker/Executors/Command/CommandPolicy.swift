import Foundation

/// What a worker started with `--allow-commands` lets `command` jobs do (docs/commands.md).
public struct CommandPolicy: Sendable {
    /// Working directories (`cwd`) must lie inside it; attempt directories are made under
    /// `ROOT/.drover-attempts/`. Absolute and symlink-free.
    public var root: String
    /// When not empty, only these executables run (absolute, symlinks resolved).
    public var allowedExecutables: [String]
    /// Run commands although the worker is root (`--allow-root-commands`).
    public var allowRoot: Bool
    /// Per stream (stdout, stderr); beyond it output is dropped and counted.
    public var maxLogBytes: Int64 = 64 << 20
    /// The files an attempt leaves in `$DROVER_OUTPUT_DIR`, all together.
    public var maxOutputBytes: Int64 = 1 << 30
    /// The end of stderr (and stdout) kept in the job's record.
    public var tailBytes = 2_048
    /// Variables passed on from the worker's own environment (nothing else leaks into a job).
    public var inheritedVariables = ["PATH", "HOME", "LANG", "LC_ALL", "USER", "LOGNAME", "TZ", "VIRTUAL_ENV", "PYTHONPATH"]
    /// The effective user id the worker runs as (injected by tests).
    public var euid: UInt32 = geteuid()

    public init(root: String, allowedExecutables: [String] = [], allowRoot: Bool = false) throws(JobFailure) {
        guard let real = Self.realPath(root), Self.isDirectory(real) else {
            throw JobFailure("--command-root \(root) is not an existing directory")
        }
        self.root = real
        self.allowedExecutables = try allowedExecutables.map { (path) throws(JobFailure) -> String in
            guard let resolved = Self.realPath(path), FileManager.default.isExecutableFile(atPath: resolved) else {
                throw JobFailure("--allow-executable \(path) is not an executable file")
            }
            return resolved
        }
        self.allowRoot = allowRoot
    }

    /// Why this worker must not run commands at all, or nil (checked at start and before each job).
    public var refusal: String? {
        guard euid == 0, !allowRoot else { return nil }
        return "this worker runs as root, so a command job would run as root: start the worker as an unprivileged user, or pass --allow-root-commands if that is really meant"
    }

    /// The working directory: `cwd` inside the root (no absolute path, no `..`, no symlink out), or `fallback`.
    func directory(for cwd: String?, fallback: String) throws(JobFailure) -> String {
        guard let cwd else { return fallback }
        if cwd.hasPrefix("/") { throw JobFailure("command: cwd '\(cwd)' must be relative to the worker's command root \(root)") }
        if cwd.split(separator: "/").contains("..") { throw JobFailure("command: cwd '\(cwd)' must not contain '..'") }
        guard let real = Self.realPath(root + "/" + cwd), Self.isDirectory(real) else {
            throw JobFailure("command: cwd '\(cwd)' is not a directory under the worker's command root \(root)")
        }
        guard Self.isInside(real, root) else {
            throw JobFailure("command: cwd '\(cwd)' leads outside the worker's command root \(root) (through a symlink)")
        }
        return real
    }

    /// The program to start: `argv[0]` looked up on `PATH` (or relative to `directory` when it
    /// contains a `/`), existing, executable, and on the allow-list when there is one.
    func executable(for program: String, directory: String, path: String) throws(JobFailure) -> String {
        var candidates: [String]
        if program.hasPrefix("/") {
            candidates = [program]
        } else if program.contains("/") {
            candidates = [directory + "/" + program]
        } else {
            candidates = path.split(separator: ":").map { ($0.isEmpty ? "." : String($0)) + "/" + program }
        }
        candidates = candidates.filter { FileManager.default.fileExists(atPath: $0) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) && !Self.isDirectory($0) }) else {
            if let first = candidates.first {
                throw JobFailure("command: '\(program)' (\(first)) is not an executable file on the worker; check its permissions (chmod +x)")
            }
            throw JobFailure(program.contains("/")
                ? "command: '\(program)' does not exist on the worker"
                : "command: '\(program)' was not found on the worker's PATH (\(path)); install it or give its absolute path")
        }
        let resolved = Self.realPath(found) ?? found
        if !allowedExecutables.isEmpty, !allowedExecutables.contains(resolved) {
            throw JobFailure("command: '\(program)' (\(resolved)) is not allowed on this worker; allowed: \(allowedExecutables.joined(separator: ", ")) (--allow-executable)")
        }
        return found
    }

    static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }
}
