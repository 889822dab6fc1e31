import Foundation
import ZeroMQ

/// Reading and writing CURVE key files.
///
/// * `NAME.key` — the secret key: comment lines (`#`) and one line with the 40-character Z85
///   secret key. Must be a regular file readable by its owner only (mode 0600 or 0400).
/// * `NAME.pub` — the public key: comment lines and one line `KEY NAME`.
/// * allow-lists (`--allow-workers`, `--allow-clients`) — any number of `KEY [NAME]` lines, so
///   `cat w1.pub w2.pub > workers.allow` builds one; blank lines and lines starting with `#` are
///   ignored. (`#` is a Z85 character, so only a *leading* `#` starts a comment.)
///
/// Secret keys never appear in errors or logs.
enum KeyFiles {
    /// Loads a secret key file after checking its permissions.
    static func loadSecret(_ path: String, flag: String) throws(CLIError) -> CurveKeyPair {
        try checkPrivate(path, flag: flag)
        let lines = try contentLines(path, flag: flag)
        guard lines.count == 1, let secret = lines.first?.first, CurveKeyPair.isValidKey(secret) else {
            throw CLIError.input("\(flag) \(path) is not a Drover secret key file (expected one line with a 40-character Z85 key)",
                                 hint: "create one with `drover keys generate --out DIR --name NAME` and pass DIR/NAME.key")
        }
        do {
            return try CurveKeyPair(secretKey: secret)
        } catch {
            throw CLIError.input("\(flag) \(path): the secret key is not usable (\(error.code == ENOTSUP ? "libzmq lacks CURVE" : "invalid key"))")
        }
    }

    /// Loads the first public key of a `.pub` file (the coordinator's, for `--server-key`).
    static func loadPublic(_ path: String, flag: String) throws(CLIError) -> String {
        let lines = try contentLines(path, flag: flag)
        guard let key = lines.first?.first, CurveKeyPair.isValidKey(key) else {
            throw CLIError.input("\(flag) \(path) does not start with a 40-character Z85 public key",
                                 hint: "pass the coordinator's NAME.pub from `drover keys generate`")
        }
        return key
    }

    /// Loads an allow-list: public key → principal name (the name defaults to the key's first 8 characters).
    static func loadAllowList(_ path: String, flag: String) throws(CLIError) -> [String: String] {
        var allowed: [String: String] = [:]
        for (number, tokens) in try numberedContentLines(path, flag: flag) {
            let key = tokens[0]
            guard CurveKeyPair.isValidKey(key), tokens.count <= 2 else {
                throw CLIError.input("\(flag) \(path):\(number): expected 'KEY [NAME]' with a 40-character Z85 public key",
                                     hint: "build the file from public keys: cat worker1.pub worker2.pub > \(path)")
            }
            allowed[key] = tokens.count == 2 ? tokens[1] : "key-" + key.prefix(8)
        }
        guard !allowed.isEmpty else {
            throw CLIError.input("\(flag) \(path) lists no public keys, so nobody could connect",
                                 hint: "add NAME.pub lines: cat worker1.pub >> \(path)")
        }
        return allowed
    }

    /// Refuses a secret key file that is not a regular file or is accessible by group or others.
    static func checkPrivate(_ path: String, flag: String) throws(CLIError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CLIError.input("\(flag) \(path): cannot read the secret key file (\(String(cString: strerror(errno))))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw CLIError.input("\(flag) \(path) is not a regular file")
        }
        let mode = st.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw CLIError.input(
                "secret key file \(path) (\(flag)) is accessible by group or others (mode 0\(String(mode, radix: 8))); refusing to use it",
                hint: "restrict it to its owner: chmod 600 \(path)")
        }
    }

    /// Writes `NAME.key` (mode 0600, created exclusively unless `force`) and `NAME.pub` (0644).
    static func write(_ keys: CurveKeyPair, name: String, to dir: URL, force: Bool) throws(CLIError) -> (secret: URL, public: URL) {
        let secret = dir.appendingPathComponent("\(name).key"), pub = dir.appendingPathComponent("\(name).pub")
        for url in [secret, pub] where !force && FileManager.default.fileExists(atPath: url.path) {
            throw CLIError.input("\(url.path) already exists; not overwriting a key",
                                 hint: "choose another --name or --out, or pass --force to replace it")
        }
        let stamp = ISO8601DateFormatter().string(from: Date())
        if force { for url in [secret, pub] { unlink(url.path) } }
        try writeFile(secret, mode: 0o600, """
            # Drover CURVE secret key '\(name)', created \(stamp). Keep it private: mode 0600, never copy it.
            # Its public key (give this one out): \(keys.publicKey)
            \(keys.secretKey)

            """)
        try writeFile(pub, mode: 0o644, """
            # Drover CURVE public key '\(name)', created \(stamp). Append to an allow-list or pass as --server-key.
            \(keys.publicKey) \(name)

            """)
        return (secret, pub)
    }

    private static func writeFile(_ url: URL, mode: mode_t, _ text: String) throws(CLIError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CLIError("cannot create \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, mode) // The umask may have removed bits from the public file; never adds any to the secret.
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw CLIError("cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Non-comment, non-blank lines split on whitespace.
    private static func contentLines(_ path: String, flag: String) throws(CLIError) -> [[String]] {
        try numberedContentLines(path, flag: flag).map(\.1)
    }

    private static func numberedContentLines(_ path: String, flag: String) throws(CLIError) -> [(Int, [String])] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError.input("\(flag) \(path): cannot read the file (\((error as NSError).localizedDescription))")
        }
        var out: [(Int, [String])] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            out.append((i + 1, trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)))
        }
        return out
    }
}
