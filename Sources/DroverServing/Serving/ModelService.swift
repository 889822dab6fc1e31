import DroverML
import DroverStore
import Foundation
import Logging
import Synchronization

/// The live state of one served model: the champion (followed through alias moves), the running
/// rollout and its challenger. Requests read a snapshot, so a swap never fails one in flight.
public final class ModelService: Sendable {
    public struct Selection: Sendable {
        public var alias: String
        /// Serve this version and never follow the alias.
        public var pinned: Int?
        public init(alias: String = ModelRegistry.champion, pinned: Int? = nil) { self.alias = alias; self.pinned = pinned }
    }

    struct Live {
        var champion: ServedModel?
        var rollout: Rollout?
        var challenger: ServedModel?
    }

    public let name: String
    let selection: Selection
    let catalog: ModelCatalog
    let rollouts: RolloutStore
    let metrics: ServingMetrics
    let logger: Logger
    let live = Mutex(Live())
    /// Fills rows from the online feature store by entity key (`drover serve --features`).
    let features: FeatureEnricher?
    /// The live inputs compared with the training data (`drover serve --reference`).
    public let drift: DriftWindow?
    /// Rolls the alias back when a newly moved champion fails too often (nil: off, or pinned).
    let guardian: Mutex<ChampionGuard>?
    /// Shadow predictions running now (bounded: beyond `maxShadow` a mirror is dropped, never queued).
    let shadowInFlight = Atomic<Int>(0)
    let maxShadow = 256

    public init(name: String, selection: Selection, catalog: ModelCatalog, rollouts: RolloutStore, metrics: ServingMetrics, logger: Logger,
                features: FeatureEnricher? = nil, drift: DriftWindow? = nil, rollbackErrorRate: Double? = nil) {
        self.guardian = selection.pinned == nil ? rollbackErrorRate.map { Mutex(ChampionGuard(maxErrorRate: $0)) } : nil
        self.features = features
        self.drift = drift
        self.name = name
        self.selection = selection
        self.catalog = catalog
        self.rollouts = rollouts
        self.metrics = metrics
        self.logger = logger
    }

    /// True once a champion is loaded (readiness).
    public var isReady: Bool { live.withLock { $0.champion != nil } }

    public var championVersion: Int? { live.withLock { $0.champion?.version } }

    var championSignature: InputSignature? { live.withLock { $0.champion?.model.signature } }

    public struct Description: Sendable, Encodable {
        public var model: String
        public var version: Int
        public var digest: String
        public var task: String
        public var classes: [String]
        public var inputs: [String: String]
        public var rollout: Rollout?
    }

    /// What `GET /v1/models/NAME` answers: the serving version and its signature.
    public func describe() -> Description? {
        live.withLock { l in
            l.champion.map { c in
                Description(model: name, version: c.version, digest: c.digest, task: c.model.label.task.rawValue,
                            classes: c.model.label.classes,
                            inputs: Dictionary(uniqueKeysWithValues: c.model.signature.columns.map { ($0.name, $0.type.rawValue) }),
                            rollout: l.rollout)
            }
        }
    }

    // MARK: Following the registry

    /// One poll: loads the alias's version (and a running rollout's challenger) if it changed. A
    /// version that fails to load leaves the current one serving.
    public func refresh() async throws {
        let target = try await selection.pinned.asyncOr { try await self.catalog.target(model: self.name, alias: self.selection.alias) }
        let current = live.withLock { $0.champion?.version }
        if current != target {
            let model = try await catalog.load(model: name, version: target)
            live.withLock { $0.champion = model }
            guardian?.withLock { $0.moved(to: target) }
            metrics.loaded(model: name, version: target, role: "champion")
            if current != nil { metrics.swaps(model: name) }
            logger.info("serve.swap", metadata: ["model": "\(name)", "from": "\(current.map(String.init) ?? "-")", "to": "\(target)"])
        }
        let rollout = try await rollouts.running(model: name)
        let challengerVersion = live.withLock { $0.challenger?.version }
        var challenger: ServedModel?
        if let rollout {
            challenger = challengerVersion == rollout.challengerVersion ? live.withLock { $0.challenger }
                : try await catalog.load(model: name, version: rollout.challengerVersion)
            metrics.loaded(model: name, version: rollout.challengerVersion, role: "challenger")
        }
        live.withLock { $0.rollout = rollout; $0.challenger = challenger }
        var keep: Set<Int> = [target]
        if let challenger { keep.insert(challenger.version) }
        catalog.retain(keep, model: name)
    }

    /// Polls until cancelled; failures are logged and retried at the next tick.
    public func follow(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await refresh() } catch {
                logger.warning("serve.refresh.failed", metadata: ["model": "\(name)", "error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Moves the alias back if the champion guard asks for it (from the decision loop). Another
    /// replica may have rolled back first: that is logged, not an error.
    public func checkGuard() async {
        guard let target = guardian?.withLock({ $0.rollbackTarget() }) else { return }
        do {
            let move = try await catalog.registry.rollback(model: name, alias: selection.alias, to: target.to,
                                                           actor: "drover serve (champion guard)", reason: target.reason)
            logger.notice("serve.rollback", metadata: ["model": "\(name)", "to": "\(move.toVersion)", "reason": "\(target.reason)"])
            try await catalog.registry.recordEvent(ModelEvent(model: name, kind: .championRollback, version: move.fromVersion,
                                                              toVersion: move.toVersion, rolloutID: nil, actor: move.actor, reason: target.reason),
                                                   key: "move-\(move.id)")
            try await refresh()
        } catch {
            logger.warning("serve.rollback.skipped", metadata: ["model": "\(name)", "error": "\(error)"])
        }
    }

    // MARK: Predicting

    public struct Reply: Sendable, Encodable {
        public var model: String
        public var version: Int
        public var arm: String
        public var requestID: String
        public var predictions: [PredictionOutput]
        /// Per row, the status of each feature view's online value (`present`, `stale`, `missing`).
        public var features: [[String: String]]?

        enum CodingKeys: String, CodingKey { case model, version, arm, requestID = "request_id", predictions, features }
    }

    /// Routes, validates and predicts one request. `key` makes the A/B assignment sticky.
    public func predict(rows given: [JSONValue], requestID: String, key: String?) async throws(RequestError) -> Reply {
        let started = ContinuousClock.now
        var rows = given
        var featureStatus: [[String: String]]?
        if let features {
            (rows, featureStatus) = try await features.enrich(given, now: Date().timeIntervalSince1970)
        }
        var flow = try PredictFlow(self, rows: rows, requestID: requestID, key: key, features: featureStatus, started: started)
        while true {
            switch flow.next {
            case .run(let model):
                let outcome: Result<[PredictionOutput], RequestError>
                do throws(RequestError) { outcome = .success(try await run(model, rows)) } catch { outcome = .failure(error) }
                flow.ran(outcome)
            case .answer(let reply): return reply
            case .fail(let error): throw error
            }
        }
    }

    /// `predict` on the calling thread, for a request small enough to predict there (at most the
    /// catalog's `inlineRows` rows, no feature store to read): nil otherwise. Computation only
    /// (validation, the trees, metrics): the HTTP layer calls it on the connection's event loop.
    func predictInline(rows: [JSONValue], requestID: String, key: String?) throws(RequestError) -> Reply? {
        guard features == nil, rows.count <= catalog.inlineRows else { return nil }
        var flow = try PredictFlow(self, rows: rows, requestID: requestID, key: key, features: nil)
        while true {
            switch flow.next {
            case .run(let model):
                let outcome: Result<[PredictionOutput], RequestError>
                do throws(RequestError) {
                    let input = try validated(model, rows)
                    outcome = .success(model.predictHere(input))
                } catch { outcome = .failure(error) }
                flow.ran(outcome)
            case .answer(let reply): return reply
            case .fail(let error): throw error
            }
        }
    }

    private func validated(_ model: ServedModel, _ rows: [JSONValue]) throws(RequestError) -> InputRows {
        let input = try model.validate(rows, passThrough: features?.keys ?? [])
        drift?.add(input)
        return input
    }

    private func run(_ model: ServedModel, _ rows: [JSONValue]) async throws(RequestError) -> [PredictionOutput] {
        let input = try validated(model, rows)
        do {
            return try await model.predict(input)
        } catch let e as RequestError {
            throw e
        } catch {
            throw RequestError(status: 500, code: "predict_failed", "\(name) version \(model.version) failed to predict: \(error)")
        }
    }

    /// Scores the request with the shadow model off the response path; its answer is only logged.
    func mirror(_ rows: [JSONValue], to shadow: ServedModel, rollout: Rollout, requestID: String) {
        guard shadowInFlight.add(1, ordering: .relaxed).newValue <= maxShadow else {
            shadowInFlight.subtract(1, ordering: .relaxed)
            metrics.challengerFailure(model: name, version: shadow.version, arm: Rollout.shadowArm)
            return
        }
        Task { [self] in
            defer { shadowInFlight.subtract(1, ordering: .relaxed) }
            let started = ContinuousClock.now
            do throws(RequestError) {
                let outputs = try await run(shadow, rows)
                log(rollout, requestID: requestID, arm: Rollout.shadowArm, model: shadow, outputs: outputs, rows: rows.count, error: nil,
                    started: started)
            } catch {
                metrics.challengerFailure(model: name, version: shadow.version, arm: Rollout.shadowArm)
                log(rollout, requestID: requestID, arm: Rollout.shadowArm, model: shadow, outputs: nil, rows: rows.count,
                    error: error.message, started: started)
            }
        }
    }

    func log(_ r: Rollout, requestID: String, arm: String, model: ServedModel, outputs: [PredictionOutput]?, rows: Int,
                     error: String?, started: ContinuousClock.Instant) {
        let micros = (ContinuousClock.now - started).components
        let latency = Int(micros.seconds) * 1_000_000 + Int(micros.attoseconds / 1_000_000_000_000)
        let now = Date().timeIntervalSince1970
        for row in 0..<rows {
            let out = outputs?[row]
            rollouts.log(PredictionLog(requestID: requestID, row: row, rolloutID: r.id, arm: arm, version: model.version,
                                       prediction: out?.prediction.keyText ?? "", score: out?.score ?? 0, latencyMicros: latency,
                                       error: error, at: now))
        }
    }
}

extension Optional {
    func asyncOr(_ fallback: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let self { return self }
        return try await fallback()
    }
}
