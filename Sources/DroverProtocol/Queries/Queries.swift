/// The queries a client can ask (QUERY, code 0x82). Each names its JSON body and its reply.

/// `status` → `ClusterStatus`: the cluster at a glance. Body `{}`.
public struct StatusQuery: CoordinatorQuery, Equatable {
    public typealias Reply = ClusterStatus
    public static let name = "status"
    public init() {}
}

/// `job` → `JobInfo`: one job with its history and why it is where it is. Body `{"id": N}`.
public struct JobQuery: CoordinatorQuery, Equatable {
    public typealias Reply = JobInfo
    public static let name = "job"
    public var id: JobID
    public init(id: JobID) { self.id = id }
}

/// `jobs` → `[JobSummary]`: jobs newest first, optionally in one state and of one kind, and
/// only older than `before` (a page cursor: the last id of the previous page).
/// Body `{"state": "running", "kind": "train", "before": 1200, "limit": 50}` (all but `limit`
/// may be omitted; `limit` is capped at 100,000).
public struct JobsQuery: CoordinatorQuery, Equatable {
    public typealias Reply = [JobSummary]
    public static let name = "jobs"
    public var state: String?
    public var kind: String?
    public var before: JobID?
    public var limit: Int
    public init(state: String? = nil, kind: String? = nil, before: JobID? = nil, limit: Int = 50) {
        self.state = state
        self.kind = kind
        self.before = before
        self.limit = limit
    }
}

/// `jobs-page` → `JobsPage`: what `jobs` lists, as the HTTP API's page (`{"items": […], "next": "1151"}`,
/// `next` null on the last page). The coordinator writes the page's JSON itself, so the HTTP side
/// passes it on without decoding and encoding it again. Same body as `jobs`.
public struct JobsPageQuery: CoordinatorQuery, Equatable {
    public typealias Reply = JobsPage
    public static let name = "jobs-page"
    public var jobs: JobsQuery
    public init(_ jobs: JobsQuery) { self.jobs = jobs }
    public init(from decoder: any Decoder) throws { jobs = try JobsQuery(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try jobs.encode(to: encoder) }
}

/// `workers` → `[WorkerInfo]`: one row per connected worker, by name. Body `{}`.
public struct WorkersQuery: CoordinatorQuery, Equatable {
    public typealias Reply = [WorkerInfo]
    public static let name = "workers"
    public init() {}
}

/// A QUERY as the coordinator receives it, decoded by name.
public enum QueryRequest: Sendable, Equatable {
    case status(StatusQuery)
    case job(JobQuery)
    case jobs(JobsQuery)
    case jobsPage(JobsPageQuery)
    case workers(WorkersQuery)
    case run(RunQuery)
    case runs(RunsQuery)
    case ingest(IngestQuery)
    case triggers(TriggersQuery)

    public static let names = [StatusQuery.name, JobQuery.name, JobsQuery.name, JobsPageQuery.name, WorkersQuery.name, RunQuery.name, RunsQuery.name,
                               IngestQuery.name, TriggersQuery.name]

    public init(name: String, body: [UInt8]) throws(RequestBodyError) {
        switch name {
        case StatusQuery.name: self = .status(try JSONBody.decode(StatusQuery.self, body))
        case JobQuery.name: self = .job(try JSONBody.decode(JobQuery.self, body))
        case JobsQuery.name: self = .jobs(try JSONBody.decode(JobsQuery.self, body))
        case JobsPageQuery.name: self = .jobsPage(try JSONBody.decode(JobsPageQuery.self, body))
        case WorkersQuery.name: self = .workers(try JSONBody.decode(WorkersQuery.self, body))
        case RunQuery.name: self = .run(try JSONBody.decode(RunQuery.self, body))
        case RunsQuery.name: self = .runs(try JSONBody.decode(RunsQuery.self, body))
        case IngestQuery.name: self = .ingest(try JSONBody.decode(IngestQuery.self, body))
        case TriggersQuery.name: self = .triggers(try JSONBody.decode(TriggersQuery.self, body))
        default:
            throw CommandRequest.names.contains(name)
                ? .wrongMessage(name: name, expected: "COMMAND")
                : .unknownName(name, message: "QUERY", known: Self.names)
        }
    }
}
