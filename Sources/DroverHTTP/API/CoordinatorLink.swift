import DroverClient
import DroverProtocol
import Foundation
import NativeThreads
import Synchronization
import ZeroMQ

/// The HTTP side's connection to the coordinator: a few threads, each owning a `DroverClient`
/// (libzmq sockets stay on one thread, blocking calls stay off the cooperative pool), taking
/// typed queries and commands from a bounded queue. A full queue answers `busy` at once, so a
/// flood of HTTP requests never piles up on the coordinator.
public final class CoordinatorLink: Sendable {
    struct Work: Sendable {
        let run: @Sendable (DroverClient?, ClientError?) -> Void
    }

    struct State {
        var queue: [Work] = []
        var head = 0
        var stopping = false
        var pending: Int { queue.count - head }
    }

    let state = Mutex(State())
    let wake = DispatchSemaphore(value: 0)
    let capacity: Int
    let threads: Int

    /// `coordinator` is the worker endpoint (`tcp://host:5555`); clients use the next port.
    public init(coordinator: String, curve: CurveClientKeys? = nil, threads: Int = 2, capacity: Int = 1_024,
                timeoutMs: Int = 5_000) throws {
        self.capacity = capacity
        self.threads = threads
        for _ in 0..<threads {
            try NativeThread.start { [self] in serve(coordinator: coordinator, curve: curve, timeoutMs: timeoutMs) }.detach()
        }
    }

    /// Asks a read-only query.
    public func query<Q: CoordinatorQuery>(_ query: Q) async throws -> Q.Reply {
        try await perform { client throws(ClientError) in try client.query(query) }
    }

    /// Gives a command.
    public func command<C: CoordinatorCommand>(_ command: C) async throws -> C.Reply {
        try await perform { client throws(ClientError) in try client.command(command) }
    }

    func perform<T: Sendable>(_ body: @escaping @Sendable (DroverClient) throws(ClientError) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let work = Work { client, failure in
                guard let client else { return c.resume(throwing: failure ?? LinkBusy(reason: "the coordinator link is stopping")) }
                do throws(ClientError) {
                    c.resume(returning: try body(client))
                } catch {
                    c.resume(throwing: error)
                }
            }
            let accepted = state.withLock { s -> Bool in
                guard !s.stopping, s.pending < capacity else { return false }
                s.queue.append(work)
                return true
            }
            if accepted {
                wake.signal()
            } else {
                c.resume(throwing: LinkBusy(reason: "\(capacity) requests are already waiting for the coordinator"))
            }
        }
    }

    /// Stops the threads; queued work fails.
    public func stop() {
        let left = state.withLock { s -> [Work] in
            s.stopping = true
            defer { s.queue = []; s.head = 0 }
            return Array(s.queue[s.head...])
        }
        for w in left { w.run(nil, nil) }
        for _ in 0..<threads { wake.signal() }
    }

    private func next() -> Work? {
        state.withLock { s -> Work? in
            guard s.head < s.queue.count else { return nil }
            defer {
                s.head += 1
                if s.head > 256, s.head * 2 > s.queue.count { s.queue.removeFirst(s.head); s.head = 0 }
            }
            return s.queue[s.head]
        }
    }

    private func serve(coordinator: String, curve: CurveClientKeys?, timeoutMs: Int) {
        var client: DroverClient?
        var failure: ClientError?
        do throws(ClientError) {
            client = try DroverClient(coordinator: coordinator, timeoutMs: timeoutMs, curve: curve)
        } catch {
            failure = error
        }
        while true {
            wake.wait()
            if state.withLock({ $0.stopping }) { break }
            guard let work = next() else { continue }
            work.run(client, failure)
        }
        client = nil
    }
}

/// The link's queue is full (503) or the link stopped.
public struct LinkBusy: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { "the coordinator is busy: \(reason); retry shortly" }
}
