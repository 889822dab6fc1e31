import DequeModule
import Foundation
import Synchronization

/// One event of the stream: `job`, `jobs`, `run`, `verdict`, `promotion`. `id` grows across
/// restarts too (it starts from the wall clock), so a `Last-Event-ID` from before a restart is
/// recognised as too old.
public struct DroverEvent: Sendable, Equatable {
    public var id: UInt64
    public var type: String
    /// The event's JSON.
    public var data: String
}

/// Fans events out to subscribers without ever waiting for one: each subscriber may fall behind
/// by `subscriberBuffer` events, and one that falls further is dropped with a reason (it may
/// reconnect with `Last-Event-ID`). The last `retained` events (at most `retainedBytes` of
/// frames) are kept for resumption. Batches (`EventBatch`) are shared by every reader, so a
/// thousand subscribers cost no more memory than one.
public final class EventHub: Sendable {
    public enum Item: Sendable, Equatable {
        case event(DroverEvent)
        case batch(EventBatch)
        /// Resumption impossible (the id is older than what is retained): reload, then follow.
        case reset(reason: String)
        /// Keep-alive (an SSE comment).
        case ping

        var eventCount: Int {
            switch self {
            case .event: 1
            case .batch(let b): b.count
            case .reset, .ping: 0
            }
        }

        var bytes: Int {
            switch self {
            case .event(let e): e.data.utf8.count + e.type.utf8.count + 32
            case .batch(let b): b.text.count
            case .reset, .ping: 0
            }
        }

        var firstID: UInt64? {
            switch self {
            case .event(let e): e.id
            case .batch(let b): b.firstID
            case .reset, .ping: nil
            }
        }

        var lastID: UInt64? {
            switch self {
            case .event(let e): e.id
            case .batch(let b): b.lastID
            case .reset, .ping: nil
            }
        }
    }

    final class Subscriber: Sendable {
        let continuation: AsyncStream<Item>.Continuation
        /// Event types it asked for (nil: all).
        let types: Set<String>?
        /// Events handed to it and not yet read.
        let backlog = Atomic<Int>(0)
        init(_ c: AsyncStream<Item>.Continuation, types: Set<String>?) {
            continuation = c
            self.types = types
        }
        func wants(_ type: String) -> Bool { types?.contains(type) ?? true }
    }

    struct State {
        var nextID: UInt64
        var retained: Deque<Item> = []
        var retainedEvents = 0
        var retainedBytes = 0
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var dropped = 0
        var closed = false
    }

    let state: Mutex<State>
    public let retainedCount: Int
    public let retainedBytes: Int
    public let subscriberBuffer: Int

    public init(retained: Int = 65_536, retainedBytes: Int = 16 << 20, subscriberBuffer: Int = 262_144) {
        retainedCount = retained
        self.retainedBytes = retainedBytes
        self.subscriberBuffer = max(subscriberBuffer, retained + 2)
        state = Mutex(State(nextID: UInt64(Date().timeIntervalSince1970 * 1000) * 1000))
    }

    /// Publishes an event (never blocks); returns its id.
    @discardableResult
    public func publish(_ type: String, _ value: some Encodable) -> UInt64 {
        let data = (try? String(decoding: JSONReply.encoder().encode(value), as: UTF8.self)) ?? "{}"
        let (id, dropped) = state.withLock { s -> (UInt64, [Subscriber]) in
            let event = DroverEvent(id: s.nextID, type: type, data: data)
            s.nextID += 1
            return (event.id, keep(.event(event), type: type, in: &s))
        }
        finish(dropped)
        return id
    }

    /// Publishes events of one type at once (never blocks): `data` holds their JSON objects back to
    /// back, `ends[i]` where the i-th ends. Returns the id of the last, nil when `ends` is empty.
    @discardableResult
    public func publish(_ type: String, data: [UInt8], ends: [Int]) -> UInt64? {
        guard !ends.isEmpty else { return nil }
        let (id, dropped) = state.withLock { s -> (UInt64, [Subscriber]) in
            let batch = EventBatch(type: type, firstID: s.nextID, data: data, ends: ends)
            s.nextID += UInt64(ends.count)
            return (batch.lastID, keep(.batch(batch), type: type, in: &s))
        }
        finish(dropped)
        return id
    }

    /// Retains `item` for resumption and offers it to its subscribers.
    private func keep(_ item: Item, type: String, in s: inout State) -> [Subscriber] {
        s.retained.append(item)
        s.retainedEvents += item.eventCount
        s.retainedBytes += item.bytes
        while s.retained.count > 1, s.retainedEvents > retainedCount || s.retainedBytes > retainedBytes {
            let old = s.retained.removeFirst()
            s.retainedEvents -= old.eventCount
            s.retainedBytes -= old.bytes
        }
        return deliver(item, type: type, in: &s)
    }

    /// A keep-alive to every subscriber.
    public func ping() { finish(state.withLock { deliver(.ping, type: nil, in: &$0) }) }

    /// Offers `item` to every subscriber that wants `type` (nil: all); returns those that fell
    /// too far behind, removed from the table (to be finished outside the lock: finishing runs
    /// their termination handler, which locks).
    private func deliver(_ item: Item, type: String?, in s: inout State) -> [Subscriber] {
        var dropped: [Subscriber] = []
        let n = item.eventCount
        for (key, sub) in s.subscribers where type.map(sub.wants) ?? true {
            if sub.backlog.load(ordering: .relaxed) + n > subscriberBuffer {
                s.subscribers[key] = nil
                s.dropped += 1
                dropped.append(sub)
            } else {
                sub.backlog.add(n, ordering: .relaxed)
                sub.continuation.yield(item)
            }
        }
        return dropped
    }

    /// What was handed to them stays readable; then they learn why they were dropped.
    private func finish(_ subscribers: [Subscriber]) {
        for sub in subscribers { sub.continuation.finish() }
    }

    /// Subscribes to `types` (nil: every type); with `after` (a `Last-Event-ID`) the retained
    /// events after it come first, or a `reset` when some were already discarded.
    public func subscribe(after: UInt64?, types: Set<String>? = nil) -> (stream: EventSubscription, overflowed: @Sendable () -> Bool) {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .unbounded)
        let subscriber = Subscriber(continuation, types: types)
        let key = state.withLock { s -> Int in
            if let after {
                if let first = s.retained.first, let firstID = first.firstID, firstID > after + 1 {
                    continuation.yield(.reset(reason: "events after \(after) are no longer retained (the oldest kept is \(firstID)); reload the state, then follow"))
                } else if s.retained.isEmpty, after + 1 < s.nextID {
                    continuation.yield(.reset(reason: "event \(after) is not from this coordinator's current run; reload the state, then follow"))
                }
                for item in s.retained where (item.lastID ?? 0) > after {
                    let type: String, resumed: Item
                    switch item {
                    case .event(let e): (type, resumed) = (e.type, item)
                    case .batch(let b): (type, resumed) = (b.type, b.suffix(after: after).map(Item.batch) ?? item)
                    case .reset, .ping: continue
                    }
                    guard subscriber.wants(type) else { continue }
                    subscriber.backlog.add(resumed.eventCount, ordering: .relaxed)
                    continuation.yield(resumed)
                }
            }
            let key = s.nextSubscriber
            s.nextSubscriber += 1
            if s.closed {
                continuation.finish()
            } else {
                s.subscribers[key] = subscriber
            }
            return key
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: key) }
        }
        let hub = self
        return (EventSubscription(base: stream, subscriber: subscriber), { hub.state.withLock { $0.subscribers[key] == nil } })
    }

    /// Ends every stream and refuses new ones (the server is shutting down: open streams would
    /// otherwise hold its graceful shutdown forever).
    public func close() {
        let subscribers = state.withLock { s -> [Subscriber] in
            s.closed = true
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for sub in subscribers { sub.continuation.finish() }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
    /// Whether any subscriber wants events of `type` (per-job events are only produced then).
    public func hasSubscribers(wanting type: String) -> Bool { state.withLock { $0.subscribers.values.contains { $0.wants(type) } } }
    /// Subscribers dropped for falling behind since start.
    public var droppedCount: Int { state.withLock { $0.dropped } }
}

/// A subscriber's items; reading one makes room for more (see `EventHub.subscriberBuffer`).
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = EventHub.Item
    let base: AsyncStream<EventHub.Item>
    let subscriber: EventHub.Subscriber

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<EventHub.Item>.AsyncIterator
        let subscriber: EventHub.Subscriber

        public mutating func next() async -> EventHub.Item? {
            let item = await base.next()
            if let item { subscriber.backlog.subtract(item.eventCount, ordering: .relaxed) }
            return item
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), subscriber: subscriber) }
}

extension EventBatch: Equatable {
    public static func == (a: EventBatch, b: EventBatch) -> Bool { a.type == b.type && a.firstID == b.firstID && a.text == b.text }
}
