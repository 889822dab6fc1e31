import ArgumentParser
import DroverArtifacts
import DroverProtocol
import DroverWorker
import Foundation

/// `drover submit --command [options] -- PROGRAM ARGS…`: a one-off `command` job (docs/commands.md).
struct CommandJobOptions: ParsableArguments {
    @Flag(name: .long, help: "Submit a command job: the program and its arguments follow `--`.")
    var command = false
    @Option(name: .long, help: ArgumentHelp("Per-attempt time limit, e.g. 30s, 10m, 2h (then SIGTERM, grace, SIGKILL).", valueName: "duration"))
    var jobTimeout: TimeSpan?
    @Option(name: .long, help: ArgumentHelp("Time between SIGTERM and SIGKILL when the command is stopped (default 5s).", valueName: "duration"))
    var grace: TimeSpan?
    @Option(name: .long, help: ArgumentHelp("Working directory relative to the worker's --command-root (default: the attempt's own directory).", valueName: "dir"))
    var cwd: String?
    @Option(name: .customLong("env"), help: ArgumentHelp("Environment variable for the command (repeatable).", valueName: "name=value"))
    var env: [String] = []
    @Option(name: .customLong("input"), help: ArgumentHelp("Artifact placed as $DROVER_INPUT_DIR/NAME (repeatable).", valueName: "name=sha256:…"))
    var inputs: [String] = []
    @Option(name: .long, help: ArgumentHelp("Memory limit of the command's processes, e.g. 2G (a cgroup limit where the worker has one, else RLIMIT_AS).", valueName: "size"))
    var memory: ByteSize?
    @Option(name: .long, help: ArgumentHelp("CPUs for the command, e.g. 0.5 or 2 (a cgroup CPU quota where the worker has one; always a thread-count hint).", valueName: "n"))
    var cpus: Double?
    @Option(name: .long, help: "CPU-time limit of the command in seconds (RLIMIT_CPU).")
    var cpuSeconds: Int64?
    @Option(name: .long, help: ArgumentHelp("Python module a warm interpreter on the worker imports once (repeatable); the program (python3 SCRIPT … or python3 -m MODULE …) runs in a fork of it.", valueName: "module"))
    var preload: [String] = []
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The program and its arguments, after `--`.", valueName: "program"))
    var argv: [String] = []

    var isCommand: Bool { command || !argv.isEmpty }

    var jobTimeoutMs: UInt32? { jobTimeout.map { UInt32(clamping: $0.milliseconds) } }

    func validate() throws {
        if !command {
            if !argv.isEmpty { throw ValidationError("arguments after `--` need --command: drover submit --command -- \(argv.joined(separator: " "))") }
            if jobTimeout != nil || grace != nil || cwd != nil || !env.isEmpty || !inputs.isEmpty || memory != nil || cpus != nil || cpuSeconds != nil || !preload.isEmpty {
                throw ValidationError("--job-timeout, --grace, --cwd, --env, --input, --memory, --cpus, --cpu-seconds and --preload go with --command")
            }
            return
        }
        guard !argv.isEmpty else { throw ValidationError("--command needs the program after `--`, e.g. drover submit --command -- python3 train.py") }
        _ = try params()
    }

    /// The job's parameters (`CommandJobRequest`), or a usage error naming the bad flag.
    func params() throws(ValidationError) -> [String: String] {
        var request = CommandJobRequest(argv: argv)
        request.cwd = cwd
        for pair in env {
            guard let kv = Self.split(pair), CommandJobRequest.isVariableName(kv.name), !kv.name.hasPrefix("DROVER_") else {
                throw ValidationError("--env '\(pair)' must look like NAME=VALUE with NAME a variable name not starting with DROVER_")
            }
            request.env[kv.name] = kv.value
        }
        for pair in inputs {
            guard let kv = Self.split(pair), CommandJobRequest.isPlainFileName(kv.name), let ref = try? ArtifactRef(parsing: kv.value) else {
                throw ValidationError("--input '\(pair)' must look like NAME=sha256:<64 hex>:<size> with NAME a plain file name (see drover data add)")
            }
            request.inputs[kv.name] = ref
        }
        if let grace { request.graceMs = grace.milliseconds }
        request.memoryBytes = memory?.bytes
        request.cpuSeconds = cpuSeconds
        request.cpus = cpus
        request.preload = preload
        do { return try CommandJobRequest(params: request.params).params } catch {
            throw ValidationError(error.message)
        }
    }

    private static func split(_ pair: String) -> (name: String, value: String)? {
        guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else { return nil }
        return (String(pair[..<eq]), String(pair[pair.index(after: eq)...]))
    }

    /// What became of a waited-for command job: state, exit status, the reason and its metrics.
    func report(_ job: JobInfo, json: Bool) throws {
        let exitCode = Self.exitCode(job)
        if json {
            try Output.json(CommandJobReport(id: job.id, state: job.state, exitCode: exitCode, message: job.message,
                                             metrics: job.metrics, outputs: job.outputs ?? [:], attempts: job.attempt))
        } else {
            Output.line("job \(job.id): \(job.state) after \(job.attempt) attempt(s)" + (exitCode.map { ", exit status \($0)" } ?? ""))
            if let message = job.message, !message.isEmpty { Output.line(message) }
            let shown = job.metrics.filter { !$0.key.hasPrefix("command.") }.sorted { $0.key < $1.key }
            if !shown.isEmpty { Output.line("metrics: " + shown.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
            for (name, ref) in (job.outputs ?? [:]).sorted(by: { $0.key < $1.key }) { Output.line("output \(name): \(ref)") }
            Output.line("logs: drover logs \(job.id)")
        }
        if job.state != JobState.succeeded.name { throw DroverExit.failure }
    }

    /// The command's exit status: 0 on success, N from "exited with status N", nil when it did not exit by itself.
    static func exitCode(_ job: JobInfo) -> Int? {
        if job.state == JobState.succeeded.name { return 0 }
        guard let message = job.message, let range = message.range(of: "exited with status ") else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber || $0 == "-" })
    }
}

struct CommandJobReport: Codable {
    var id: JobID
    var state: String
    var exitCode: Int?
    var message: String?
    var metrics: [String: Double]
    var outputs: [String: String]
    var attempts: UInt32
}

/// A duration on the command line: `500ms`, `30s`, `10m`, `2h`, or plain milliseconds.
struct TimeSpan: ExpressibleByArgument, Sendable {
    var milliseconds: Int64

    init?(argument: String) {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        let text = argument.lowercased()
        let (suffix, scale) = units.first { text.hasSuffix($0.0) && Double(text.dropLast($0.0.count)) != nil } ?? ("", 1)
        guard let n = Double(text.dropLast(suffix.count)), n >= 0, n * Double(scale) < 4e9 else { return nil }
        milliseconds = Int64((n * Double(scale)).rounded())
    }
}
