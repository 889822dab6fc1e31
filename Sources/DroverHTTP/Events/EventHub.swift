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

/// Fans events out to subscribers without ever waiting for one: each subscriber has a bounded
/// buffer, and one that falls behind by more than it holds is dropped with a reason (it may
/// reconnect with `Last-Event-ID`). The last `retained` events are kept for resumption.
public final class EventHub: Sendable {
    public enum Item: Sendable, Equatable {
        case event(DroverEvent)
        /// Resumption impossible (the id is older than what is retained): reload, then follow.
        case reset(reason: String)
        /// Keep-alive (an SSE comment).
        case ping
    }

    final class Subscriber: Sendable {
        let continuation: AsyncStream<Item>.Continuation
        init(_ c: AsyncStream<Item>.Continuation) { continuation = c }
    }

    struct State {
        var nextID: UInt64
        var retained: [DroverEvent] = []
        var start = 0
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var dropped = 0
        var closed = false
    }

    let state: Mutex<State>
    public let retainedCount: Int
    public let subscriberBuffer: Int

    public init(retained: Int = 4_096, subscriberBuffer: Int = 8_192) {
        retainedCount = retained
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
            if s.retained.count < retainedCount {
                s.retained.append(event)
            } else {
                s.retained[s.start] = event
                s.start = (s.start + 1) % retainedCount
            }
            return (event.id, deliver(.event(event), in: &s))
        }
        finish(dropped)
        return id
    }

    /// A keep-alive to every subscriber.
    public func ping() { finish(state.withLock { deliver(.ping, in: &$0) }) }

    /// Offers `item` to every subscriber; returns those whose buffer was full, removed from the
    /// table (to be finished outside the lock: finishing runs their termination handler, which locks).
    private func deliver(_ item: Item, in s: inout State) -> [Subscriber] {
        var dropped: [Subscriber] = []
        for (key, sub) in s.subscribers {
            if case .dropped = sub.continuation.yield(item) {
                s.subscribers[key] = nil
                s.dropped += 1
                dropped.append(sub)
            }
        }
        return dropped
    }

    /// The buffer holds older items: the client reads them, then learns why it was dropped.
    private func finish(_ subscribers: [Subscriber]) {
        for sub in subscribers { sub.continuation.finish() }
    }

    /// Subscribes; with `after` (a `Last-Event-ID`) the retained events after it come first, or
    /// a `reset` when some were already discarded.
    public func subscribe(after: UInt64?) -> (stream: AsyncStream<Item>, overflowed: @Sendable () -> Bool) {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingOldest(subscriberBuffer))
        let key = state.withLock { s -> Int in
            if let after {
                let ordered = Array(s.retained[s.start...] + s.retained[..<s.start])
                if let first = ordered.first, first.id > after + 1 {
                    continuation.yield(.reset(reason: "events after \(after) are no longer retained (the oldest kept is \(first.id)); reload the state, then follow"))
                } else if ordered.isEmpty, after + 1 < s.nextID {
                    continuation.yield(.reset(reason: "event \(after) is not from this coordinator's current run; reload the state, then follow"))
                }
                for e in ordered where e.id > after { continuation.yield(.event(e)) }
            }
            let key = s.nextSubscriber
            s.nextSubscriber += 1
            if s.closed {
                continuation.finish()
            } else {
                s.subscribers[key] = Subscriber(continuation)
            }
            return key
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: key) }
        }
        let hub = self
        return (stream, { hub.state.withLock { $0.subscribers[key] == nil } })
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
    /// Subscribers dropped for falling behind since start.
    public var droppedCount: Int { state.withLock { $0.dropped } }
}
