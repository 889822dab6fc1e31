import DroverArtifacts
import DroverCoordinator
import DroverCore
import DroverProtocol
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

        public init(dataDirectory: String, coordinator: String, codeVersion: String, curve: CurveClientKeys? = nil) {
            self.curve = curve
            self.dataDirectory = dataDirectory
            self.coordinator = coordinator
            self.codeVersion = codeVersion
        }
    }

    struct Shared {
        var books = Books()
        var runs: [String: RunInfo] = [:]
        var order: [String] = []
        var inbox: [RunRecord] = []
        var nextNumber = 1
        var stopping = false
    }

    let options: Options
    let logger: Logger
    let shared = Mutex(Shared())
    let directory: String
    public let artifacts: ArtifactStore

    public init(options: Options, logger: Logger) throws {
        self.options = options
        self.logger = logger
        let directory = (options.dataDirectory as NSString).appendingPathComponent("pipelines")
        self.directory = directory
        try FileManager.default.createDirectory(atPath: (directory as NSString).appendingPathComponent("runs"),
                                                withIntermediateDirectories: true)
        artifacts = try ArtifactStore(dataDirectory: options.dataDirectory)
        let books = try JSONFiles.read(Books.self, from: booksPath) ?? Books()
        shared.withLock { $0.books = books }
    }

    var runsDirectory: String { (directory as NSString).appendingPathComponent("runs") }
    var booksPath: String { (directory as NSString).appendingPathComponent("books.json") }
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
                for (name, use) in spec.datasets {
                    var span = try s.books.span(use)
                    span.referenceStatistics = s.books.references[use.dataset]
                    spans[name] = span
                }
                let number = s.nextNumber
                let id = "\(spec.name)-\(number)"
                let inputs = RunInputs(runID: id, spans: spans, champion: s.books.champion(spec.model), codeVersion: options.codeVersion)
                let record = RunRecord(id: id, number: number, file: request.file, yaml: request.yaml, overrides: request.params,
                                       inputs: inputs, startedAtMs: now)
                do {
                    try JSONFiles.write(record, to: runPath(id))
                } catch {
                    throw PipelineRefusal(code: .internal, "cannot store the run: \(error)")
                }
                s.nextNumber += 1
                let info = RunView.info(record, planner: PipelinePlanner(spec: spec, inputs: inputs))
                s.runs[id] = info
                s.order.append(id)
                s.inbox.append(record)
                return .success((record, info))
            } catch {
                return .failure(error)
            }
        }
        let (record, info) = try result.get()
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
        guard !request.dataset.isEmpty, request.dataset.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw PipelineRefusal("'\(request.dataset)' is not a valid dataset name; use letters, digits, '-', '_' and '.'")
        }
        let ref: ArtifactRef
        do {
            ref = try ArtifactRef(parsing: request.artifact)
        } catch {
            throw PipelineRefusal("artifact '\(request.artifact)': \(error)")
        }
        guard artifacts.contains(ref.digest) else {
            throw PipelineRefusal(code: .notFound, "artifact \(ref.digest) is not in the coordinator's store; upload the file first (`drover data add` does both)")
        }
        let result: Result<SpanInput, PipelineRefusal> = shared.withLock { s in
            var books = s.books
            let span = books.addSpan(dataset: request.dataset, digest: ref.description, size: ref.size)
            do {
                try JSONFiles.write(books, to: booksPath)
            } catch {
                return .failure(PipelineRefusal(code: .internal, "cannot record the span: \(error)"))
            }
            s.books = books
            return .success(span)
        }
        let span = try result.get()
        logger.info("pipeline.span.added", metadata: ["dataset": "\(span.dataset)", "span": "\(span.span)"])
        return SpanInfo(dataset: span.dataset, span: span.span, artifact: span.digest, size: span.size)
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
