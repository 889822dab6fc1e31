import DroverCore
import DroverProtocol
import Foundation

/// Answers client queries (`status`, `job`, `jobs`, `workers`, `cancel`, `release`) with JSON.
/// Code 0 is success; otherwise the body is a `QueryError`.
enum QueryRouter {
    static func answer(name: String, body: [UInt8], core: inout CoordinatorCore, now: Int64,
                       journal: String) -> (UInt16, [UInt8]) {
        do {
            switch name {
            case "status":
                return ok(ClusterStatus(
                    epoch: core.epoch, uptimeSeconds: Double(now - core.startedAtMs) / 1000,
                    jobs: core.jobCounts, workers: core.workerCounts(), queueLimit: core.config.maxQueued,
                    journal: journal, rejectedFrames: core.rejectedFrames, discardedResults: core.discardedResults))
            case "job":
                let ref = try decode(JobRef.self, body)
                guard let info = core.jobInfo(ref.id, wallOffsetMs: 0) else { return notFound(ref.id) }
                return ok(info)
            case "jobs":
                let q = try decode(JobsQuery.self, body)
                var state: JobState?
                if let s = q.state {
                    guard let parsed = JobState(name: s) else {
                        return fail(.badRequest, "unknown state '\(s)'; use one of \(JobState.allCases.map(\.name).joined(separator: ", "))")
                    }
                    state = parsed
                }
                return ok(core.jobSummaries(state: state, limit: max(0, min(q.limit, 100_000))))
            case "workers":
                return ok(core.workerInfos(now: now))
            case "cancel", "release":
                let ref = try decode(JobRef.self, body)
                let result = name == "cancel" ? core.cancel(ref.id, now: now) : core.release(ref.id, now: now)
                switch result {
                case .done: return ok(core.jobInfo(ref.id, wallOffsetMs: 0))
                case .notFound: return notFound(ref.id)
                case .invalid(let why): return fail(.badRequest, why)
                }
            default:
                return fail(.unknownCommand, "unknown query '\(name)'; known: status, job, jobs, workers, cancel, release")
            }
        } catch {
            return fail(.badRequest, "query '\(name)' has a malformed body: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(body))
    }

    static func ok(_ value: some Encodable) -> (UInt16, [UInt8]) {
        do {
            return (0, [UInt8](try JSONEncoder().encode(value)))
        } catch {
            return fail(.internal, "cannot encode reply: \(error)")
        }
    }

    static func notFound(_ id: JobID) -> (UInt16, [UInt8]) {
        fail(.notFound, "no job \(id); list jobs with `drover jobs`")
    }

    static func fail(_ code: ErrorCode, _ message: String) -> (UInt16, [UInt8]) {
        (code.rawValue, (try? [UInt8](JSONEncoder().encode(QueryError(error: message)))) ?? [])
    }
}
