import ArgumentParser
import DroverStore
import Foundation

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "POST events to other systems (CI/CD, chat): signed, retried, logged.",
        discussion: """
        Event types: job, jobs, run, verdict, rejection, promotion, or * for all. Each POST carries
        {"id", "type", "data"} and X-Drover-Signature: sha256=HMAC-SHA256(secret, body) in hex;
        a failed delivery (no answer within 10 s, 5xx, 408, 429) is retried 5 times with backoff.
        Examples:
          drover webhooks add http://ci.internal/hook --events promotion,rejection --secret "$SECRET"
          drover webhooks list
          drover webhooks deliveries --webhook 1
          drover webhooks remove 1
        """,
        subcommands: [WebhooksAdd.self, WebhooksList.self, WebhooksRemove.self, WebhooksDeliveries.self])

    static let eventTypes = ["job", "jobs", "run", "verdict", "rejection", "promotion", "rollout", "*"]
}

struct WebhooksAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register a webhook (the running coordinator picks it up within 2 s).",
        discussion: "Example:\n  drover webhooks add http://127.0.0.1:9000/hook --events promotion --secret s3cret")

    @Argument(help: "The target, http://HOST[:PORT]/PATH.")
    var url: String
    @Option(name: .long, help: "Comma-separated event types (jobs, run, verdict, rejection, promotion, rollout; job: every job transition; *: all but job).")
    var events: String
    @Option(name: .long, help: "The HMAC-SHA256 key the receiver checks signatures with (at least 16 characters).")
    var secret: String
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    var eventList: [String] { events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        guard let u = URLComponents(string: url), u.scheme == "http", u.host?.isEmpty == false else {
            throw ValidationError("URL must be http://HOST[:PORT]/PATH, got '\(url)' (https: put a TLS proxy in front)")
        }
        let unknown = eventList.filter { !WebhooksCommand.eventTypes.contains($0) }
        guard !eventList.isEmpty, unknown.isEmpty else {
            throw ValidationError("--events: unknown \(unknown.joined(separator: ", ")); use \(WebhooksCommand.eventTypes.joined(separator: ", "))")
        }
        guard secret.count >= 16 else { throw ValidationError("--secret must have at least 16 characters") }
    }

    func run() async throws {
        try await Output.run {
            let hook = try await store.openAccess().addWebhook(url: url, events: eventList, secret: secret, createdBy: Actor.current)
            if output.json { return try Output.json(hook) }
            Output.line("webhook \(hook.id): \(hook.url) for \(hook.events.joined(separator: ","))")
        }
    }
}

struct WebhooksList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List webhooks (not their secrets).",
                                                    discussion: "Example:\n  drover webhooks list --json")
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            let hooks = try await store.openAccess().webhooks()
            if output.json { return try Output.json(hooks) }
            if hooks.isEmpty { return Output.line("no webhooks; add one with drover webhooks add URL --events promotion --secret …") }
            Output.line(columns(["id", "url", "events", "created", "removed"], hooks.map { h in
                [String(h.id), h.url, h.events.joined(separator: ","), isoTime(h.createdAt), h.removedAt.map(isoTime) ?? "-"]
            }))
        }
    }
}

struct WebhooksRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Stop delivering to a webhook.",
                                                    discussion: "Example:\n  drover webhooks remove 1")
    @Argument(help: "The webhook id (drover webhooks list).")
    var id: Int64
    @OptionGroup var store: MetadataOptions

    func run() async throws {
        try await Output.run {
            do {
                let hook = try await store.openAccess().removeWebhook(id)
                Output.line("removed webhook \(hook.id) (\(hook.url))")
            } catch let e as AccessError {
                if case .storage = e { throw CLIError(e.description) }
                throw CLIError.input(e.description)
            }
        }
    }
}

struct WebhooksDeliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "The delivery log, newest first.",
                                                    discussion: "Example:\n  drover webhooks deliveries --webhook 1 --limit 20")
    @Option(name: .long, help: "Only this webhook's deliveries.")
    var webhook: Int64?
    @Option(name: .long, help: "At most this many attempts.")
    var limit: Int = 50
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            let log = try await store.openAccess().deliveries(webhookID: webhook, limit: limit)
            if output.json { return try Output.json(log) }
            Output.line(columns(["when", "webhook", "event", "type", "attempt", "status", "outcome"], log.map { d in
                [isoTime(d.at), String(d.webhookID), String(d.eventID), d.eventType, String(d.attempt), d.status.map(String.init) ?? "-", d.outcome]
            }))
        }
    }
}
