import DroverClient
import DroverProtocol

extension CoordinatorLink {
    /// The requests the link has sent and not yet had answered, by request id, each with its
    /// deadline. Lives on the link's thread only.
    struct InFlight {
        let timeoutMs: Int
        private var waiting: [UInt64: (work: Work, deadline: ContinuousClock.Instant)] = [:]
        private var nextID: UInt64 = 1

        init(timeoutMs: Int) { self.timeoutMs = timeoutMs }

        var isEmpty: Bool { waiting.isEmpty }

        /// Sends `work`, or fails it at once if its message cannot be built or sent; how many ended (0 or 1).
        mutating func send(_ work: Work, on client: DroverClient) -> Int {
            let id = nextID
            nextID += 1
            do throws(ClientError) {
                let message: ClientRequest
                do {
                    message = try work.message(id)
                } catch {
                    throw ClientError(.body(error), error.description)
                }
                try client.send(message)
                waiting[id] = (work, .now + .milliseconds(timeoutMs))
                return 0
            } catch {
                work.finish(.failure(error))
                return 1
            }
        }

        /// Hands a reply to the request it answers; how many requests ended. An error with request
        /// id 0 (a frame the coordinator could not read) answers every request in flight.
        mutating func answer(_ reply: ClientReply) -> Int {
            var ended = 0
            switch reply {
            case .reply(let id, _, _), .error(let id, _, _):
                if id == 0, case .error = reply {
                    for (_, w) in waiting { w.work.finish(.success(reply)) }
                    ended += waiting.count
                    waiting = [:]
                } else if let w = waiting.removeValue(forKey: id) {
                    w.work.finish(.success(reply))
                    ended += 1
                }
            default:
                break // DONE notifications: the link watches no jobs
            }
            return ended
        }

        /// Fails the requests whose deadline passed; how many ended.
        mutating func expire(now: ContinuousClock.Instant, client: DroverClient) -> Int {
            var ended = 0
            for (id, w) in waiting where w.deadline <= now {
                waiting[id] = nil
                w.work.finish(.failure(client.noAnswer(withinMs: timeoutMs)))
                ended += 1
            }
            return ended
        }

        /// Fails every request in flight with `error`; how many ended.
        mutating func failAll(_ error: ClientError) -> Int {
            let ended = waiting.count
            for (_, w) in waiting { w.work.finish(.failure(error)) }
            waiting = [:]
            return ended
        }
    }
}
