import DroverCore
import DroverProtocol
import Foundation

/// Everything stored about one run: the request, the inputs it resolved to, and every planner
/// event with its time. Replaying `events` through a fresh `PipelinePlanner` rebuilds the run's
/// state after a restart (docs/pipelines.md, "Resuming").
struct RunRecord: Codable, Sendable {
    var id: String
    var number: Int
    var file: String
    var yaml: String
    var overrides: [String: String]
    var inputs: RunInputs
    var events: [StampedEvent] = []
    /// Planner job key → coordinator job id.
    var jobIDs: [String: UInt64] = [:]
    var startedAtMs: Int64
    var endedAtMs: Int64?
    var outcome: RunOutcome?
    var message: String?
    /// False until the runner's thread has resolved the champion and the drift references into
    /// `inputs` (nil in files written before this field: resolved when the run started).
    var resolved: Bool?
    /// Set when a trigger started the run (`drover ingest`, a schedule): which rule and why.
    var trigger: TriggerNote?

    struct StampedEvent: Codable, Sendable {
        var atMs: Int64
        var event: PlannerEvent
    }

    /// The spec as the run saw it (the stored YAML, loaded again, with the overrides).
    func spec() throws(PipelineSpecError) -> PipelineSpec {
        var spec = try PipelineSpecLoader.load(yaml: yaml, file: file)
        spec.params.merge(overrides) { _, new in new }
        return spec
    }

    /// A planner in the state the stored events lead to.
    func replay() throws(PipelineSpecError) -> PipelinePlanner {
        var planner = PipelinePlanner(spec: try spec(), inputs: inputs)
        _ = planner.start(now: startedAtMs)
        for e in events { _ = planner.handle(e.event, now: e.atMs) }
        return planner
    }
}

/// Small JSON files under `<data-dir>/pipelines/`, each replaced atomically (temporary file,
/// fsync, rename), so a crash leaves the old or the new version, never half of one.
enum JSONFiles {
    /// `durable: false` skips the fsync (a few ms each on a real disk, once per planner event):
    /// the new version survives a killed process; after a power loss an earlier version may be
    /// what is found (ext4 flushes a file's data before a rename that replaces another).
    static func write(_ value: some Encodable, to path: String, durable: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try replace(path, with: try encoder.encode(value), durable: durable)
    }

    /// Replaces the file at `path` with `bytes`: a temporary file beside it, fsynced when
    /// `durable`, renamed over it. A crash leaves the old file or the new one, whole (the
    /// directory is not synced: after a power loss the old one may be found, which is whole too).
    static func replace(_ path: String, with bytes: Data, durable: Bool = true) throws {
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: bytes) else {
            throw RunnerError("cannot write \(tmp): check free space and permissions of the data directory")
        }
        let fd = durable ? open(tmp, O_RDONLY) : -1
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw RunnerError("cannot replace \(path): \(why)")
        }
    }

    static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw RunnerError("\(path) is damaged (\(error)); move it aside to start afresh")
        }
    }
}

struct RunnerError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
