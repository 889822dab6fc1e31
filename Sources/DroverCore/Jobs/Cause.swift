import DroverProtocol

/// Why a job changed state. Stored with every transition so `drover status JOB` can
/// answer "why is this job not running?".
public enum Cause: UInt8, Sendable, Codable, CaseIterable {
    case submitted = 0
    case assigned
    case started
    case succeeded
    case failed
    case retryAfterFailure
    case workerLost
    case handedBack
    case cancelledByClient
    case timedOut
    case poison
    case released
    case backoffElapsed
    case unclaimedAfterRestart
    case reattachedAfterRestart
    case duplicateRejected
    case requeuedFromLostWorker

    public var text: String {
        switch self {
        case .submitted: "accepted and journaled; waiting for a worker with free credit"
        case .assigned: "assigned to a worker"
        case .started: "the worker started running it"
        case .succeeded: "the worker reported success"
        case .failed: "the job failed and its retry budget is spent"
        case .retryAfterFailure: "the job failed; waiting to retry (exponential backoff)"
        case .workerLost: "its worker was lost (its connection closed or its lease expired); re-queued with a new attempt"
        case .handedBack: "its worker shut down and handed it back"
        case .cancelledByClient: "cancelled on request"
        case .timedOut: "ran past its timeout"
        case .poison: "present at too many worker deaths (poison); held until released"
        case .released: "released from hold by an operator"
        case .backoffElapsed: "retry backoff elapsed; queued again"
        case .unclaimedAfterRestart: "no worker reclaimed it after a coordinator restart; re-queued"
        case .reattachedAfterRestart: "its worker re-announced it after a coordinator restart"
        case .duplicateRejected: "a late result from a superseded attempt was discarded"
        case .requeuedFromLostWorker: "its worker was lost before it started; re-queued"
        }
    }

    public var name: String { String(describing: self) }
}
