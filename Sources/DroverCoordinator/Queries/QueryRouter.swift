import DroverCore
import DroverProtocol

/// Answers client queries (`QueryRequest`) and commands (`CommandRequest`) with JSON.
/// Code 0 is success; otherwise the body is a `QueryError`.
enum QueryRouter {
    static func answer(query name: String, body: [UInt8], core: inout CoordinatorCore, now: Int64,
                       journal: String, pipelines: (any PipelineDesk)? = nil) -> (UInt16, [UInt8]) {
        let query: QueryRequest
        do {
            query = try QueryRequest(name: name, body: body)
        } catch {
            return fail(error.code, error.description)
        }
        switch query {
        case .status:
            return ok(ClusterStatus(
                epoch: core.epoch, uptimeSeconds: Double(now - core.startedAtMs) / 1000,
                jobs: core.jobCounts, workers: core.workerCounts(), queueLimit: core.config.maxQueued,
                journal: journal, rejectedFrames: core.rejectedFrames, discardedResults: core.discardedResults,
                queueWait: core.jobTimings.queueWait, runTime: core.jobTimings.runTime))
        case .job(let q):
            guard let info = core.jobInfo(q.id, wallOffsetMs: 0) else { return notFound(q.id) }
            return ok(info)
        case .jobs(let q):
            // Written by hand: the loop pays for this list, and JSONEncoder took ~3 ms for 1,000 jobs.
            return summaries(q, core: core).map { (0, JobSummary.json($0)) } ?? badState(q.state)
        case .jobsPage(let q):
            return summaries(q.jobs, core: core).map { (0, JobsPage(items: $0, limit: q.jobs.limit).json) } ?? badState(q.jobs.state)
        case .workers:
            return ok(core.workerInfos(now: now))
        case .run(let q):
            guard let pipelines else { return noRunner() }
            guard let info = pipelines.run(id: q.id) else {
                return fail(.notFound, "no run '\(q.id)'; list runs with `drover runs list`")
            }
            return ok(info)
        case .runs(let q):
            guard let pipelines else { return noRunner() }
            return ok(pipelines.runs(limit: max(0, min(q.limit, 10_000))))
        case .ingest(let q):
            guard let pipelines else { return noRunner() }
            guard let info = pipelines.ingest(id: q.id) else {
                return fail(.notFound, "no ingest '\(q.id)' (ids are MODEL/span-N); list the trigger's decisions with `drover triggers list`")
            }
            return ok(info)
        case .triggers(let q):
            guard let pipelines else { return noRunner() }
            return ok(pipelines.triggerDecisions(model: q.model, limit: max(0, min(q.limit, 10_000))))
        }
    }

    /// Cancel and release change jobs: their effects join the shell's batch through `effects`.
    static func answer(command name: String, body: [UInt8], core: inout CoordinatorCore, effects: inout Effects,
                       now: Int64, pipelines: (any PipelineDesk)? = nil) -> (UInt16, [UInt8]) {
        let command: CommandRequest
        do {
            command = try CommandRequest(name: name, body: body)
        } catch {
            return fail(error.code, error.description)
        }
        let (id, outcome): (JobID, (result: ControlResult, effects: Effects))
        switch command {
        case .cancel(let c): (id, outcome) = (c.id, core.cancel(c.id, now: now))
        case .release(let c): (id, outcome) = (c.id, core.release(c.id, now: now))
        case .startRun(let c): return desk(pipelines) { desk throws(PipelineRefusal) in try desk.start(c) }
        case .addSpan(let c): return desk(pipelines) { desk throws(PipelineRefusal) in try desk.addSpan(c) }
        case .ingest(let c): return desk(pipelines) { desk throws(PipelineRefusal) in try desk.ingest(c) }
        }
        effects.append(outcome.effects)
        switch outcome.result {
        case .done: return ok(core.jobInfo(id, wallOffsetMs: 0))
        case .notFound: return notFound(id)
        case .invalid(let why): return fail(.badRequest, why)
        }
    }

    /// The jobs a `jobs` query lists, or nil when its state is not one.
    static func summaries(_ q: JobsQuery, core: borrowing CoordinatorCore) -> [JobSummary]? {
        var state: JobState?
        if let s = q.state {
            guard let parsed = JobState(name: s) else { return nil }
            state = parsed
        }
        return core.jobSummaries(state: state, kind: q.kind, before: q.before, limit: max(0, min(q.limit, 100_000)))
    }

    static func badState(_ state: String?) -> (UInt16, [UInt8]) {
        fail(.badRequest, "unknown state '\(state ?? "")'; use one of \(JobState.allCases.map(\.name).joined(separator: ", "))")
    }

    static func ok(_ value: some Encodable) -> (UInt16, [UInt8]) {
        do {
            return (0, try JSONBody.encode(value))
        } catch {
            return fail(.internal, error.description)
        }
    }

    /// A pipeline-runner command: its reply, or its refusal as an error.
    static func desk<T: Encodable>(_ pipelines: (any PipelineDesk)?,
                                   _ body: (any PipelineDesk) throws(PipelineRefusal) -> T) -> (UInt16, [UInt8]) {
        guard let pipelines else { return noRunner() }
        do {
            return ok(try body(pipelines))
        } catch {
            return fail(error.code, error.message)
        }
    }

    static func noRunner() -> (UInt16, [UInt8]) {
        fail(.unknownCommand, "this coordinator runs no pipelines; start it with `drover up` or `drover coordinator` (which include the pipeline runner)")
    }

    static func notFound(_ id: JobID) -> (UInt16, [UInt8]) {
        fail(.notFound, "no job \(id); list jobs with `drover jobs`")
    }

    static func fail(_ code: ErrorCode, _ message: String) -> (UInt16, [UInt8]) {
        (code.rawValue, (try? JSONBody.encode(QueryError(error: message))) ?? [])
    }
}
