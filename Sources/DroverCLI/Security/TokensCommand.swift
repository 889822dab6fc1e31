import ArgumentParser
import DroverHTTP
import DroverStore
import Foundation

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "HTTP API tokens: create (shown once, stored hashed), list, revoke.",
        discussion: """
        Roles: read (every GET, the event stream), operator (also cancel, run, promote, rollback),
        admin (also tokens and the audit over HTTP).
        Examples:
          drover tokens create --role read --name grafana
          curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:5557/api/v1/cluster
          drover tokens list
          drover tokens revoke grafana
        """,
        subcommands: [TokensCreate.self, TokensList.self, TokensRevoke.self])
}

extension MetadataOptions {
    /// The token store of this data directory (created with the metadata store when missing).
    func openAccess() throws -> AccessStore {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return AccessStore(store: try MetadataStore(dataDirectory: path))
        } catch {
            throw CLIError("\(error)", hint: "check --data-dir")
        }
    }
}

struct TokensCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token and print it (once: only its SHA-256 is stored).",
        discussion: """
        Examples:
          drover tokens create --role operator --name ci
          TOKEN=$(drover tokens create --role read)
        """)

    @Option(name: .long, help: "read, operator or admin.")
    var role: String = "read"
    @Option(name: .long, help: "A name for listings and the audit (default: the role and the creator).")
    var name: String?
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    struct Created: Encodable { var token: String; var record: APITokenRecord }

    func validate() throws {
        if APIRole(rawValue: role) == nil { throw ValidationError("--role must be read, operator or admin, got '\(role)'") }
    }

    func run() async throws {
        try await Output.run {
            let access = try store.openAccess()
            let (id, secret, hash) = TokenSecret.generate()
            let name = self.name ?? "\(role)-\(id)"
            do {
                let record = try await access.create(id: id, name: name, role: APIRole(rawValue: role)!, hash: hash, createdBy: Actor.current)
                if output.json { return try Output.json(Created(token: secret, record: record)) }
                Output.line(secret)
                Output.error("token \(name) (\(id)), role \(role): keep it now, it is not shown again")
            } catch let e as AccessError {
                throw CLIError.input(e.description)
            }
        }
    }
}

struct TokensList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List tokens (never their secrets).",
        discussion: "Example:\n  drover tokens list --json")

    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            let tokens = try await store.openAccess().tokens()
            if output.json { return try Output.json(tokens) }
            if tokens.isEmpty { return Output.line("no tokens; create one with drover tokens create --role read") }
            Output.line(columns(["id", "name", "role", "created", "by", "revoked"], tokens.map { t in
                [t.id, t.name, t.role.rawValue, isoTime(t.createdAt), t.createdBy, t.revokedAt.map(isoTime) ?? "-"]
            }))
        }
    }
}

struct TokensRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token by id or name; requests with it are refused (401) at once.",
        discussion: "Example:\n  drover tokens revoke ci")

    @Argument(help: "The token's id or name.")
    var token: String
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            do {
                let revoked = try await store.openAccess().revoke(token)
                if output.json { return try Output.json(revoked) }
                for t in revoked { Output.line("revoked \(t.name) (\(t.id))") }
            } catch let e as AccessError {
                if case .storage = e { throw CLIError(e.description) }
                throw CLIError.input(e.description)
            }
        }
    }
}
