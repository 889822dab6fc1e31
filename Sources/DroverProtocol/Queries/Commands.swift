/// The commands a client can give (COMMAND, code 0x84). Each names its JSON body and its reply.

/// `cancel` → `JobInfo`: cancel a job; a running one is stopped on its worker. Body `{"id": N}`.
public struct CancelJob: CoordinatorCommand, Equatable {
    public typealias Reply = JobInfo
    public static let name = "cancel"
    public var id: JobID
    public init(id: JobID) { self.id = id }
}

/// `release` → `JobInfo`: put a held (poison) job back in the queue. Body `{"id": N}`.
public struct ReleaseJob: CoordinatorCommand, Equatable {
    public typealias Reply = JobInfo
    public static let name = "release"
    public var id: JobID
    public init(id: JobID) { self.id = id }
}

/// A COMMAND as the coordinator receives it, decoded by name.
public enum CommandRequest: Sendable, Equatable {
    case cancel(CancelJob)
    case release(ReleaseJob)
    case startRun(StartRun)
    case addSpan(AddSpan)
    case ingest(Ingest)

    public static let names = [CancelJob.name, ReleaseJob.name, StartRun.name, AddSpan.name, Ingest.name]

    public init(name: String, body: [UInt8]) throws(RequestBodyError) {
        switch name {
        case CancelJob.name: self = .cancel(try JSONBody.decode(CancelJob.self, body))
        case ReleaseJob.name: self = .release(try JSONBody.decode(ReleaseJob.self, body))
        case StartRun.name: self = .startRun(try JSONBody.decode(StartRun.self, body))
        case AddSpan.name: self = .addSpan(try JSONBody.decode(AddSpan.self, body))
        case Ingest.name: self = .ingest(try JSONBody.decode(Ingest.self, body))
        default:
            throw QueryRequest.names.contains(name)
                ? .wrongMessage(name: name, expected: "QUERY")
                : .unknownName(name, message: "COMMAND", known: Self.names)
        }
    }
}
