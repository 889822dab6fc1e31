import DroverClient
import DroverProtocol
import Foundation
import NativeThreads
import Synchronization
import ZeroMQ

/// The HTTP side's connection to the coordinator: one thread owning a `DroverClient` (libzmq
/// sockets stay on one thread, blocking calls stay off the cooperative pool) that pipelines typed
/// queries and commands. Every request is sent as soon as it is queued and its reply is matched by
/// request id, so a slow answer (a held run query, a coordinator busy dispatching) never holds up
/// the requests behind it; replies are decoded by the asking task, not on the link's thread.
/// Requests waiting or in flight are bounded: beyond `capacity` the link answers `busy` at once,
/// so a flood of HTTP requests never piles up on the coordinator.
public final class CoordinatorLink: Sendable {
    /// One request: builds its message for a request id, and takes its reply or failure.
    struct Work: Sendable {
        let message: @Sendable (UInt64) throws(RequestBodyError) -> ClientRequest
        let finish: @Sendable (Result<ClientReply, ClientError>) -> Void
    }

    struct State {
        var queue: [Work] = []
        /// Queued plus in flight (the link thread lowers it as replies arrive).
        var outstanding = 0
        var stopping = false
    }

    let state = Mutex(State())
    let bell: Doorbell
    let capacity: Int
    let endpoint: String

    /// `coordinator` is the worker endpoint (`tcp://host:5555`); clients use the next port.
    public init(coordinator: String, curve: CurveClientKeys? = nil, capacity: Int = 1_024, timeoutMs: Int = 5_000) throws {
        self.capacity = capacity
        bell = try Doorbell()
        endpoint = Endpoint.clientEndpoint(forWorkerEndpoint: coordinator)
        try NativeThread.start { [self] in serve(coordinator: coordinator, curve: curve, timeoutMs: timeoutMs) }.detach()
    }

    /// Asks a read-only query.
    public func query<Q: CoordinatorQuery>(_ query: Q) async throws -> Q.Reply {
        try await perform(Q.Reply.self, what: "query '\(Q.name)'") { id throws(RequestBodyError) in try .query(requestID: id, query) }
    }

    /// Gives a command.
    public func command<C: CoordinatorCommand>(_ command: C) async throws -> C.Reply {
        try await perform(C.Reply.self, what: "command '\(C.name)'") { id throws(RequestBodyError) in try .command(requestID: id, command) }
    }

    /// Asks a read-only query and returns its reply's JSON undecoded (to pass on as it is).
    public func queryJSON<Q: CoordinatorQuery>(_ query: Q) async throws -> [UInt8] {
        let what = "query '\(Q.name)'"
        let reply = try await send { id throws(RequestBodyError) in try .query(requestID: id, query) }
        return try DroverClient.body(of: reply, what: what, from: endpoint)
    }

    func perform<R: Decodable>(_ type: R.Type, what: String,
                               _ message: @escaping @Sendable (UInt64) throws(RequestBodyError) -> ClientRequest) async throws -> R {
        try DroverClient.decode(try await send(message), as: type, what: what, from: endpoint)
    }

    /// Queues one request for the link's thread; its reply, undecoded.
    func send(_ message: @escaping @Sendable (UInt64) throws(RequestBodyError) -> ClientRequest) async throws -> ClientReply {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<ClientReply, any Error>) in
            let work = Work(message: message) { c.resume(with: $0.mapError { $0 as any Error }) }
            let refusal = state.withLock { s -> String? in
                if s.stopping { return "the coordinator link is stopping" }
                guard s.outstanding < capacity else { return "\(capacity) requests are already waiting for the coordinator" }
                s.queue.append(work)
                s.outstanding += 1
                return nil
            }
            if let refusal {
                c.resume(throwing: LinkBusy(reason: refusal))
            } else {
                bell.ring()
            }
        }
    }

    /// Stops the thread; queued and in-flight work fails.
    public func stop() {
        state.withLock { $0.stopping = true }
        bell.ring()
    }

    private func serve(coordinator: String, curve: CurveClientKeys?, timeoutMs: Int) {
        let client: DroverClient
        do throws(ClientError) {
            client = try DroverClient(coordinator: coordinator, timeoutMs: timeoutMs, curve: curve)
        } catch {
            return failEverything(until: { $0.stopping }, with: error)
        }
        var flight = InFlight(timeoutMs: timeoutMs)
        var expired = ContinuousClock.now
        while true {
            if state.withLock({ $0.stopping }) { break }
            for w in state.withLock({ s in defer { s.queue = [] }; return s.queue }) { settle(flight.send(w, on: client)) }
            let now = ContinuousClock.now
            if now - expired >= .milliseconds(50) {
                settle(flight.expire(now: now, client: client))
                expired = now
            }
            do throws(ClientError) {
                // Wakes for a reply, for new work (the bell) or, at the latest, to expire overdue requests.
                guard let reply = try client.receiveAny(timeoutMs: flight.isEmpty ? 1_000 : 100, wakingOn: bell) else { continue }
                settle(flight.answer(reply))
            } catch {
                settle(flight.failAll(error))
            }
        }
        settle(flight.failAll(ClientError(.noAnswer, "the coordinator link is stopping")))
        failEverything(until: { _ in true }, with: ClientError(.noAnswer, "the coordinator link is stopping"))
    }

    /// Lowers the outstanding count by the requests that ended.
    private func settle(_ ended: Int) {
        guard ended > 0 else { return }
        state.withLock { $0.outstanding -= ended }
    }

    /// Without a client (it could not be made) every request fails with why, until `done`.
    private func failEverything(until done: (State) -> Bool, with error: ClientError) {
        while true {
            let (finished, work) = state.withLock { s -> (Bool, [Work]) in
                defer { s.outstanding -= s.queue.count; s.queue = [] }
                return (done(s), s.queue)
            }
            for w in work { w.finish(.failure(error)) }
            if finished { return }
            var ready = pollfd(fd: bell.fileDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&ready, 1, 1_000)
            bell.drain()
        }
    }
}

/// The link's queue is full (503) or the link stopped.
public struct LinkBusy: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { "the coordinator is busy: \(reason); retry shortly" }
}
