import Foundation

/// One prediction's decisions, shared by `ModelService.predict` (from a task) and
/// `predictInline` (on the connection's thread), which only differ in how a model is run: the
/// arm (sticky A/B bucket), the champion's answer when the challenger fails, the metrics, the
/// champion guard's tally, the rollout log and the shadow mirror.
struct PredictFlow {
    enum Step {
        /// Run this model on the request's rows, then call `ran`.
        case run(ServedModel)
        case answer(ModelService.Reply)
        case fail(RequestError)
    }

    private let service: ModelService
    private let snapshot: ModelService.Live
    private let champion: ServedModel
    private let rows: [JSONValue]
    private let requestID: String
    private let features: [[String: String]]?
    private let started: ContinuousClock.Instant
    private var arm: String
    private var chosen: ServedModel
    private(set) var next: Step

    /// `started`: when the request began (before the feature store was read, if it was).
    init(_ service: ModelService, rows: [JSONValue], requestID: String, key: String?, features: [[String: String]]?,
         started: ContinuousClock.Instant = .now) throws(RequestError) {
        self.started = started
        let snapshot = service.live.withLock { $0 }
        guard let champion = snapshot.champion else {
            throw RequestError(status: 503, code: "not_ready", "\(service.name) is not loaded yet; retry (GET /readyz says when)")
        }
        (self.service, self.snapshot, self.champion) = (service, snapshot, champion)
        (self.rows, self.requestID, self.features) = (rows, requestID, features)
        arm = Rollout.championArm
        chosen = champion
        if let r = snapshot.rollout, r.mode == .ab, let challenger = snapshot.challenger,
           StickyBucket.isChallenger(key: key ?? requestID, experiment: "\(service.name)/\(r.id)", percent: r.splitPercent) {
            arm = Rollout.challengerArm
            chosen = challenger
        }
        next = .run(chosen)
    }

    /// Takes the result of the model `next` asked for.
    mutating func ran(_ outcome: Result<[PredictionOutput], RequestError>) {
        let (name, metrics) = (service.name, service.metrics)
        switch outcome {
        case .failure(let failure) where arm == Rollout.challengerArm && snapshot.rollout != nil:
            // The challenger failed (signature mismatch, crash): the user gets the champion's answer.
            metrics.challengerFailure(model: name, version: chosen.version, arm: arm)
            service.log(snapshot.rollout!, requestID: requestID, arm: arm, model: chosen, outputs: nil, rows: rows.count,
                        error: failure.message, started: started)
            arm = Rollout.championArm
            chosen = champion
            next = .run(champion)
        case .failure(let failure):
            metrics.request(model: name, version: chosen.version, arm: arm, status: failure.status, rows: 0, duration: .zero)
            service.guardian?.withLock { $0.record(version: chosen.version, failed: true) }
            next = .fail(failure)
        case .success(let outputs):
            metrics.request(model: name, version: chosen.version, arm: arm, status: 200, rows: outputs.count,
                            duration: ContinuousClock.now - started)
            service.guardian?.withLock { $0.record(version: chosen.version, failed: false) }
            if let r = snapshot.rollout {
                service.log(r, requestID: requestID, arm: arm, model: chosen, outputs: outputs, rows: rows.count, error: nil, started: started)
                if r.mode == .shadow, let shadow = snapshot.challenger {
                    service.mirror(rows, to: shadow, rollout: r, requestID: requestID)
                }
            }
            next = .answer(ModelService.Reply(model: name, version: chosen.version, arm: arm, requestID: requestID,
                                              predictions: outputs, features: features))
        }
    }
}
