import DroverArtifacts
import DroverCoordinator
import DroverCore
import DroverProtocol
import DroverStore
import Foundation
import Logging
import NativeThreads
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The coordinator's pipeline runner (docs/pipelines.md): a `Service` with a thread of its own
/// that drives each run's `PipelinePlanner` — it submits the planner's jobs to the coordinator
/// as an ordinary client (with idempotency keys), feeds their results back as events, performs
/// the planner's other requests (cache, statistics checks, the promotion decision) and stores
/// every event, so that a restarted coordinator resumes each run where it stood.
///
/// It is also the coordinator's `PipelineDesk`: `run.start`, `run` and `runs` are answered from
/// state shared under a lock, without waiting for the runner's thread.
public final class PipelineRunner: PipelineDesk, Service {
    public struct Options: Sendable {
        public var dataDirectory: String
        /// The coordinator's worker endpoint; the runner connects to its client socket.
        public var coordinator: String
        /// Part of every cache key: results of other code versions are not reused.
        public var codeVersion: String
        /// The runner's client key when the coordinator uses CURVE.
        public var curve: CurveClientKeys?
        /// CURVE for the training sockets of data-parallel steps, when the coordinator uses it.
        public var training: TrainingSecurity?
        /// Where training sockets bind: the host the coordinator's sockets bind (default: that of
        /// `coordinator`). On a wildcard (`0.0.0.0`), shard jobs connect by the host they reach the
        /// coordinator by.
        public var trainingHost: String

        public init(dataDirectory: String, coordinator: String, codeVersion: String, curve: CurveClientKeys? = nil,
                    training: TrainingSecurity? = nil, trainingHost: String? = nil) {
            self.curve = curve
            self.training = training
            self.trainingHost = trainingHost ?? Endpoint.host(of: coordinator)
            self.dataDirectory = dataDirectory
            self.coordinator = coordinator
            self.codeVersion = codeVersion
        }
    }

    struct Shared {
        var spans = SpanIndex()
        var runs: [String: RunInfo] = [:]
        var order: [String] = []
        var inbox: [RunRecord] = []
        var nextNumber = 1
        var stopping = false
        /// Model → its registered pipeline (file, YAML), for `drover ingest MODEL`.
        var pipelines: [String: (file: String, yaml: String)] = [:]
        var ingests: [String: IngestInfo] = [:]
        var ingestInbox: [PendingIngest] = []

        /// Replaces what clients see of a run, one revision further (`RunQuery.revision`).
        mutating func publish(_ info: RunInfo) {
            var info = info
            info.revision = (runs[info.id]?.revision ?? 0) + 1
            runs[info.id] = info
        }
    }

    let options: Options
    let logger: Logger
    let shared = Mutex(Shared())
    let directory: String
    public let artifacts: ArtifactStore
    let records: RunnerRecords
    /// Every trigger decision, durably, before anyone is told (docs/pipelines.md, "Trigger decisions").
    let journal: TriggerJournal
    /// The time the trigger's rules use (a test may set it: `DROVER_TEST_CLOCK`).
    let clock = TriggerClock()
    /// Test-only faults (`DROVER_FAILPOINT`) on the socket thread's side of the runner.
    let failpoint = PipelineFailpoint()
    /// Rung when a run is queued: wakes the runner's thread at once instead of at its next turn.
    let wake: Doorbell
    /// Rung after every change of a published run: the coordinator answers held `run` queries.
    public let changes: Doorbell?

    public init(options: Options, logger: Logger) throws {
        self.options = options
        self.logger = logger
        let directory = (options.dataDirectory as NSString).appendingPathComponent("pipelines")
        self.directory = directory
        wake = try Doorbell()
        changes = try Doorbell()
        try FileManager.default.createDirectory(atPath: (directory as NSString).appendingPathComponent("runs"),
                                                withIntermediateDirectories: true)
        artifacts = try ArtifactStore(dataDirectory: options.dataDirectory)
        records = try RunnerRecords(dataDirectory: options.dataDirectory, artifacts: artifacts, logger: logger)
        let spans = try SpanIndex(try records.store.loadAllSpans(), artifacts: artifacts)
        let book = try TriggerBook.load(directory: directory)
        journal = try TriggerJournal(directory: directory)
        let log = journal.log
        shared.withLock { s in
            s.spans = spans
            for (model, entry) in book.models { s.pipelines[model] = (entry.file, entry.yaml) }
            for p in log.pending.values { s.pipelines[p.model] = (p.file, p.yaml) }
            // Spans journaled but not decided when the coordinator stopped: decided now (unless
            // the run their decision started was stored: `LoopState.recover` journals that one).
            s.ingests = log.ingests
            s.ingestInbox = log.pending.values.sorted { ($0.model, $0.span.span) < ($1.model, $1.span.span) }
        }
        let books = (directory as NSString).appendingPathComponent("books.json")
        if FileManager.default.fileExists(atPath: books) {
            logger.warning("pipeline.books.ignored", metadata: [
                "file": "\(books)",
                "why": "spans, models and the step cache now live in metadata.sqlite; add the spans again with `drover data add`, then delete the file"])
        }
    }

    /// The metadata store (runs, models, datasets, API tokens) this runner records into.
    public var metadata: MetadataStore { records.store }

    var runsDirectory: String { (directory as NSString).appendingPathComponent("runs") }
    func runPath(_ id: String) -> String { (runsDirectory as NSString).appendingPathComponent("\(id).json") }

    // MARK: PipelineDesk (called on the coordinator's socket thread: quick, no waiting)

    public func start(_ request: StartRun) throws(PipelineRefusal) -> RunInfo {
        var spec: PipelineSpec
        do {
            spec = try PipelineSpecLoader.load(yaml: request.yaml, file: request.file)
        } catch {
            throw PipelineRefusal(error.description)
        }
        spec.params.merge(request.params) { _, new in new }
        let now = Self.nowMs()
        let result: Result<(RunRecord, RunInfo), PipelineRefusal> = shared.withLock { s in
            do throws(PipelineRefusal) {
                var spans: [String: SpanInput] = [:]
                for (name, use) in spec.datasets { spans[name] = try s.spans.span(use) }
                let number = s.nextNumber
                let id = "\(spec.name)-\(number)"
                // The champion and the drift references are resolved on the runner's thread
                // (they are registry reads), before the planner starts.
                let inputs = RunInputs(runID: id, spans: spans, champion: nil, codeVersion: options.codeVersion)
                var record = RunRecord(id: id, number: number, file: request.file, yaml: request.yaml, overrides: request.params,
                                       inputs: inputs, startedAtMs: now)
                record.resolved = false
                do {
                    try JSONFiles.write(record, to: runPath(id))
                } catch {
                    throw PipelineRefusal(code: .internal, "cannot store the run: \(error)")
                }
                s.nextNumber += 1
                let info = RunView.info(record, planner: PipelinePlanner(spec: spec, inputs: inputs))
                s.publish(info)
                s.order.append(id)
                s.inbox.append(record)
                return .success((record, s.runs[id] ?? info))
            } catch {
                return .failure(error)
            }
        }
        let (record, info) = try result.get()
        wake.ring()
        changes?.ring()
        logger.info("pipeline.run.started", metadata: ["run.id": "\(record.id)", "pipeline": "\(spec.name)"])
        return info
    }

    public func run(id: String) -> RunInfo? {
        shared.withLock { $0.runs[id] }
    }

    public func runs(limit: Int) -> [RunInfo] {
        shared.withLock { s in
            s.order.suffix(limit).reversed().compactMap { id in
                guard var info = s.runs[id] else { return nil }
                info.steps = []
                return info
            }
        }
    }

    /// Registers a span of a dataset whose CSV is already in the artifact store.
    public func addSpan(_ request: AddSpan) throws(PipelineRefusal) -> SpanInfo {
        let (span, _) = try registerSpan(dataset: request.dataset, artifact: request.artifact, rows: request.rows)
        return SpanInfo(dataset: span.dataset, span: span.span, artifact: span.digest, size: span.size)
    }

    /// The span for these bytes: the existing one, or the next number, durably recorded first.
    /// `beforeCommit` sees a new span before it is committed (a refusal leaves it unregistered).
    func registerSpan(dataset: String, artifact: String, rows: Int64?, label: String? = nil,
                      beforeCommit: (SpanInput) throws(PipelineRefusal) -> Void = { _ in }) throws(PipelineRefusal) -> (SpanInput, isNew: Bool) {
        guard !dataset.isEmpty, dataset.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw PipelineRefusal("'\(dataset)' is not a valid dataset name; use letters, digits, '-', '_' and '.'")
        }
        let ref: ArtifactRef
        do {
            ref = try ArtifactRef(parsing: artifact)
        } catch {
            throw PipelineRefusal("artifact '\(artifact)': \(error)")
        }
        guard artifacts.contains(ref.digest) else {
            throw PipelineRefusal(code: .notFound, "artifact \(ref.digest) is not in the coordinator's store; upload the file first (`drover data add` does both)")
        }
        // Only the socket thread adds spans, so the proposal cannot go stale before it is stored.
        let (span, isNew) = shared.withLock { $0.spans.proposed(dataset: dataset, ref: ref) }
        if isNew {
            try beforeCommit(span)
            let now = Double(Self.nowMs()) / 1000
            let name = "\(span.dataset) span \(span.span)" + (label.map { " (\($0))" } ?? "")
            records.emit([.artifact(ArtifactRecord(digest: ref.digest.description, size: ref.size, kind: "span",
                                                   name: name, createdAt: now)),
                          .span(DatasetSpan(dataset: span.dataset, span: span.span, digest: ref.digest.description,
                                            rows: rows ?? 0, createdAt: now))])
            // The socket thread waits for this one commit (a few ms, once per new span, a rare,
            // human-paced command) so the span's number is durable before anyone is told it;
            // dispatch pauses meanwhile. A deferred reply would avoid the pause; not needed yet.
            do {
                try records.store.flushBlocking()
            } catch {
                throw PipelineRefusal(code: .internal, "cannot record span \(span.span) of \(span.dataset) in the metadata store: \(error)")
            }
            shared.withLock { $0.spans.add(span) }
        }
        logger.info("pipeline.span.added", metadata: ["dataset": "\(span.dataset)", "span": "\(span.span)"])
        return (span, isNew)
    }

    // MARK: Service

    public func run() async throws {
        let loop = try RunLoop(runner: self)
        try NativeThread.start { loop.run() }.detach()
        // A graceful shutdown (SIGTERM) and a cancelled group (another service failed, e.g. the
        // coordinator's fail-stop) both stop the loop; otherwise the process would never exit.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await loop.finished.wait()
            } onGracefulShutdown: {
                loop.requestStop()
            }
        } onCancel: {
            loop.requestStop()
        }
        loop.requestStop()
        await loop.finished.wait()
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
