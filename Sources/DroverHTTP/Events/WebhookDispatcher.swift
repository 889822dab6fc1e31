import Crypto
import DroverArtifacts
import DroverStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Posts events to the registered webhooks (`drover webhooks add`): JSON bodies signed with
/// HMAC-SHA256 (`X-Drover-Signature: sha256=<hex>`), each webhook served in order by a task of
/// its own with a bounded queue, a time limit per attempt and retries with exponential backoff.
/// Every attempt is logged (`webhook_deliveries`). A hanging or failing target delays only its
/// own queue; a full queue drops the event (logged), never the coordinator's work.
public struct WebhookDispatcher: Sendable {
    let backend: APIBackend
    let logger: Logger
    public var maxAttempts = 5
    public var baseDelay: Duration = .milliseconds(500)
    public var attemptTimeout: Duration = .seconds(10)
    public var queueLimit = 1_000

    public init(backend: APIBackend, logger: Logger) {
        self.backend = backend
        self.logger = logger
    }

    struct Hook: Sendable {
        var record: WebhookRecord
        var secret: String
        /// `*` is every type but per-job `job` events, which a hook gets only by naming them.
        func wants(_ type: String) -> Bool { record.events.contains(type) || (type != "job" && record.events.contains("*")) }
    }

    /// Every type but `job`: the hub produces per-job events only while someone wants them.
    static let allButJobs: Set<String> = EventRoutes.knownTypes.subtracting(["job"])

    /// Runs until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            var queues: [Int64: AsyncStream<DroverEvent>.Continuation] = [:]
            var hooks: [Hook] = []
            var loadedAt = ContinuousClock.now - .seconds(60)
            var last: UInt64?
            var wantsJobs = false
            var drops = Drops()
            while !Task.isCancelled, !backend.events.isClosed {
                let (stream, _) = backend.events.subscribe(after: last, types: wantsJobs ? nil : Self.allButJobs)
                for await item in stream {
                    if ContinuousClock.now - loadedAt > .seconds(2) {
                        hooks = (try? await backend.access.activeWebhooks().map { Hook(record: $0.0, secret: $0.secret) }) ?? hooks
                        loadedAt = .now
                    }
                    let events: [DroverEvent]
                    switch item {
                    case .event(let e): events = [e]
                    case .batch(let b): events = b.events
                    case .reset, .ping: events = []
                    }
                    for event in events {
                        last = event.id
                        for hook in hooks where hook.wants(event.type) {
                            let queue = queues[hook.record.id] ?? {
                                let (s, c) = AsyncStream<DroverEvent>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
                                group.addTask { for await e in s { await deliver(e, to: hook) } }
                                queues[hook.record.id] = c
                                return c
                            }()
                            if case .dropped = queue.yield(event) { drops.add(hook.record.id, event) }
                        }
                    }
                    for (hook, drop) in drops.due(now: .now) {
                        try? await backend.access.recordDelivery(webhookID: hook, eventID: drop.first.id, eventType: drop.first.type, attempt: 0, status: nil,
                                                                 outcome: "dropped: \(drop.count) event(s), ids \(drop.first.id)–\(drop.lastID), \(queueLimit) already waiting")
                    }
                    // A hook now names `job` (or none does any more): follow on with that set of types.
                    if hooks.contains(where: { $0.record.events.contains("job") }) != wantsJobs {
                        wantsJobs.toggle()
                        break
                    }
                }
            }
            for q in queues.values { q.finish() }
        }
    }

    /// Events a full queue turned away, logged once a second per webhook (one row per dropped
    /// `job` event would be a write per job transition).
    struct Drops {
        struct Run { var first: DroverEvent; var lastID: UInt64; var count: Int }
        var pending: [Int64: Run] = [:]
        var loggedAt: ContinuousClock.Instant?

        mutating func add(_ hook: Int64, _ event: DroverEvent) {
            if pending[hook] == nil { pending[hook] = Run(first: event, lastID: event.id, count: 1) } else {
                pending[hook]!.lastID = event.id
                pending[hook]!.count += 1
            }
        }

        /// What to log now: everything pending, when a second has passed since the last log (or
        /// none was logged yet).
        mutating func due(now: ContinuousClock.Instant) -> [(Int64, Run)] {
            guard !pending.isEmpty, loggedAt.map({ now - $0 >= .seconds(1) }) ?? true else { return [] }
            defer { pending = [:]; loggedAt = now }
            return pending.map { ($0.key, $0.value) }
        }
    }

    /// Signs the body: `sha256=` and the hex HMAC-SHA256 of the body under the webhook's secret.
    public static func signature(body: [UInt8], secret: String) -> String {
        "sha256=" + Hex.lower(Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))))
    }

    func deliver(_ event: DroverEvent, to hook: Hook) async {
        let body = Array("{\"id\":\(event.id),\"type\":\"\(event.type)\",\"data\":\(event.data)}".utf8)
        for attempt in 1...maxAttempts {
            let (status, problem) = await post(body, event: event, hook: hook)
            let delivered = status.map { (200..<300).contains($0) } ?? false
            let permanent = status.map { (400..<500).contains($0) && $0 != 408 && $0 != 429 } ?? false
            let outcome = delivered ? "delivered" : (attempt == maxAttempts || permanent ? "failed: " : "retrying: ") + problem
            try? await backend.access.recordDelivery(webhookID: hook.record.id, eventID: event.id, eventType: event.type,
                                                     attempt: attempt, status: status, outcome: outcome)
            if delivered || permanent || Task.isCancelled { return }
            if attempt < maxAttempts { try? await Task.sleep(for: min(baseDelay * (1 << (attempt - 1)), .seconds(60))) }
        }
        logger.warning("webhook.failed", metadata: ["webhook": "\(hook.record.id)", "event": "\(event.id)"])
    }

    /// One attempt: the HTTP status, or nil and why there was none.
    func post(_ body: [UInt8], event: DroverEvent, hook: Hook) async -> (Int?, String) {
        guard let url = URLComponents(string: hook.record.url), url.scheme == "http", let host = url.host else {
            return (nil, "only http:// targets are supported (put a TLS proxy in front for https)")
        }
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Content-Length": String(body.count),
                                    "User-Agent": "drover-webhooks", "X-Drover-Event": event.type, "X-Drover-Delivery": String(event.id),
                                    "X-Drover-Signature": Self.signature(body: body, secret: hook.secret)]
        headers.replaceOrAdd(name: "Accept", value: "*/*")
        let exchange = HTTPExchange(host: host, port: url.port ?? 80, method: .POST,
                                    uri: (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath) + (url.percentEncodedQuery.map { "?" + $0 } ?? ""),
                                    headers: headers)
        let timeout = attemptTimeout
        do {
            let answer = try await withThrowingTaskGroup(of: HTTPExchange.Answer?.self) { group in
                group.addTask {
                    try await exchange.perform(send: { out in try await out.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) })
                }
                group.addTask { try await Task.sleep(for: timeout); return nil }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let answer else { return (nil, "no answer within \(timeout)") }
            return (Int(answer.status.code), answer.isSuccess ? "" : "HTTP \(answer.status.code)")
        } catch {
            return (nil, "\(error)")
        }
    }
}
