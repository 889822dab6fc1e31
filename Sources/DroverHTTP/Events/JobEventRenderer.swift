import DroverArtifacts
import DroverCore
import DroverProtocol

/// Turns journal records into `job` events, one per transition, as JSON objects back to back
/// (`EventHub.publish(_:data:ends:)`):
/// `{"id":7,"state":"assigned","attempt":1,"at":1764547200123,"kind":"train","worker":"w1"}`,
/// plus `cause` for re-queues and holds. `kind` is known for jobs whose submission this
/// renderer saw (up to a million live ones); it forgets a job when it ends. Pure: no I/O, no clock.
struct JobEventRenderer {
    private(set) var data: [UInt8] = []
    private(set) var ends: [Int] = []
    /// Live jobs' kinds, as indexes into `kindNames`.
    private var kinds: [JobID: UInt16] = [:]
    private var kindIndex: [String: UInt16] = [:]
    private var kindNames: [[UInt8]] = []

    /// Live jobs whose kind is remembered (about 40 MB): beyond it, a new job's events carry no kind.
    static let maxKnownJobs = 1_000_000

    var count: Int { ends.count }
    var liveJobs: Int { kinds.count }

    /// Hands over what was rendered and starts afresh (the kinds are kept).
    mutating func take() -> (data: [UInt8], ends: [Int]) {
        defer { data = []; ends = [] }
        return (data, ends)
    }

    mutating func add(_ record: JournalRecord) {
        switch record {
        case .submitted(let id, let spec, let at):
            if kinds.count < Self.maxKnownJobs { kinds[id] = intern(spec.kind) }
            emit(id, .queued, attempt: 0, at: at)
        case .assigned(let worker, let leases, let at):
            for lease in leases { emit(lease.jobID, .assigned, attempt: lease.attempt, at: at, worker: worker) }
        case .finished(let id, let attempt, let state, _, _, let at):
            emit(id, state, attempt: attempt, at: at)
            kinds[id] = nil
        case .requeued(let id, let cause, let ready, _, let at):
            emit(id, ready > at ? .retryWait : .queued, attempt: nil, at: at, cause: cause)
        case .held(let id, let cause, let at):
            emit(id, .held, attempt: nil, at: at, cause: cause)
        case .released(let id, let at):
            emit(id, .queued, attempt: nil, at: at, cause: .released)
        case .cancelled(let id, let at):
            emit(id, .cancelled, attempt: nil, at: at)
            kinds[id] = nil
        case .epoch, .outputs, .compactedJobs, .idempotencyKeys, .tally:
            break
        }
    }

    private mutating func intern(_ kind: String) -> UInt16 {
        if let i = kindIndex[kind] { return i }
        guard kindNames.count < Int(UInt16.max) else { return UInt16.max }
        let i = UInt16(kindNames.count)
        var quoted: [UInt8] = []
        JSONText.appendString(kind, to: &quoted)
        kindNames.append(quoted)
        kindIndex[kind] = i
        return i
    }

    private mutating func emit(_ id: JobID, _ state: JobState, attempt: UInt32?, at: Int64, worker: String? = nil, cause: Cause? = nil) {
        data.append(contentsOf: #"{"id":"#.utf8)
        SSEText.appendDecimal(id, to: &data)
        data.append(contentsOf: #","state":""#.utf8)
        data.append(contentsOf: state.name.utf8)
        data.append(UInt8(ascii: "\""))
        if let attempt {
            data.append(contentsOf: #","attempt":"#.utf8)
            SSEText.appendDecimal(UInt64(attempt), to: &data)
        }
        data.append(contentsOf: #","at":"#.utf8)
        SSEText.appendDecimal(UInt64(max(0, at)), to: &data)
        if let k = kinds[id], Int(k) < kindNames.count {
            data.append(contentsOf: #","kind":"#.utf8)
            data.append(contentsOf: kindNames[Int(k)])
        }
        if let worker {
            data.append(contentsOf: #","worker":"#.utf8)
            JSONText.appendString(worker, to: &data)
        }
        if let cause {
            data.append(contentsOf: #","cause":""#.utf8)
            data.append(contentsOf: cause.name.utf8)
            data.append(UInt8(ascii: "\""))
        }
        data.append(UInt8(ascii: "}"))
        ends.append(data.count)
    }
}
