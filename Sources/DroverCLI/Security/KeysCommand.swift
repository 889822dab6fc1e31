import ArgumentParser
import Foundation
import ZeroMQ

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage CURVE keys for authenticated, encrypted coordinator connections.",
        discussion: """
        Examples:
          drover keys generate --out keys --name coordinator
          drover keys generate --out keys --name worker1
          cat keys/worker1.pub >> workers.allow

        See docs/security.md for a complete secure cluster.
        """,
        subcommands: [KeysGenerateCommand.self])
}

struct KeysGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Create a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub (public).",
        discussion: """
        Examples:
          drover keys generate --out keys --name coordinator   # keys/coordinator.key, keys/coordinator.pub
          drover keys generate --out /etc/drover --name gpu-7  # one key per worker or client

        The .pub line ('KEY NAME') goes into the coordinator's --allow-workers or --allow-clients
        file; NAME becomes the principal the coordinator reports for that connection. Give the
        coordinator's .pub to workers and clients as --server-key. Never copy a .key file.
        """)

    @Option(name: .long, help: ArgumentHelp("Directory to write the key files into (created, mode 0700, if missing).", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "Key name: file names and the principal name in allow-lists (letters, digits, . _ -). Default: this host's name.")
    var name: String = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "drover"

    @Flag(name: .long, help: "Replace existing key files of the same name.")
    var force = false

    func validate() throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }),
              !name.hasPrefix(".") else {
            throw ValidationError("--name must be 1–64 ASCII letters, digits, '.', '_' or '-' (not starting with '.'), got '\(name)'")
        }
    }

    func run() throws {
        try Output.runSync {
            let dir = URL(fileURLWithPath: out)
            if !FileManager.default.fileExists(atPath: dir.path) {
                do {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                } catch {
                    throw CLIError.input("cannot create --out \(out): \(error.localizedDescription)")
                }
            }
            let keys: CurveKeyPair
            do {
                keys = try CurveKeyPair.generate()
            } catch {
                throw CLIError("cannot generate a CURVE key pair: \(error)", hint: "libzmq must be built with CURVE (libsodium)")
            }
            let files = try KeyFiles.write(keys, name: name, to: dir, force: force)
            Output.line("secret key: \(files.secret.path) (mode 0600; keep it on this machine)")
            Output.line("public key: \(files.public.path)")
            Output.line("\(keys.publicKey) \(name)")
        }
    }
}
