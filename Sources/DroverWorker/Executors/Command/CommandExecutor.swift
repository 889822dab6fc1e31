import DroverML
import Foundation
import NativeThreads

/// `command`: runs a program of the user's on this worker (docs/commands.md). Registered only
/// on a worker started with `--allow-commands`, so the coordinator never offers `command` jobs
/// to any other. Each attempt runs in its own process group and directory, on a thread of its
/// own, and in cgroups of its own where the worker has them (`WorkerCgroups`: memory and CPU
/// limits, OOM kills reported, every descendant killed at the end); a stop (CANCEL, timeout,
/// shutdown) sends SIGTERM to the group (and cgroup), then SIGKILL after `grace_ms`. Metrics:
/// the job's final metric set from `$DROVER_METRICS`, numeric logged parameters as
/// `param.NAME`, and the worker's own `command.*` figures.
public struct CommandExecutor: JobExecutor {
    public let policy: CommandPolicy
    /// Where attempts' cgroups go; `.disabled`: rlimits only.
    public let cgroups: WorkerCgroups
    /// Zygotes for jobs that `preload` Python modules, shared by this worker's attempts.
    public let warm: WarmInterpreters

    public init(policy: CommandPolicy, cgroups: WorkerCgroups = .disabled, warm: WarmInterpreters = WarmInterpreters()) {
        self.policy = policy
        self.cgroups = cgroups
        self.warm = warm
    }

    public var kind: String { "command" }
    public var streamsLogs: Bool { true }

    public func run(_ job: JobContext) async throws -> [String: Double] {
        if let refusal = policy.refusal { throw JobFailure("command refused: \(refusal)") }
        let request = try CommandJobRequest(params: job.params)
        let dir = AttemptDirectory(root: policy.root, jobID: job.jobID, attempt: job.attempt)
        let policy = self.policy, cgroups = self.cgroups, warm = self.warm
        var sources: [(name: String, paths: [String])] = []
        for (name, ref) in request.inputs.sorted(by: { $0.key < $1.key }) {
            sources.append((name, [try await job.artifacts.localPath(ref)]))
        }
        for (name, refs) in request.inputParts.sorted(by: { $0.key < $1.key }) {
            var paths: [String] = []
            for ref in refs { paths.append(try await job.artifacts.localPath(ref)) }
            sources.append((name, paths))
        }
        let ready = sources
        // Everything blocking on one thread of its own: a thread hop costs a scheduling delay,
        // which is what a short command's overhead is made of on a busy machine.
        let (outcome, logged, outputs) = try await runOffPool { () throws -> (CommandOutcome, MetricsFile, OutputFiles) in
            try dir.create()
            for input in ready { try dir.materialise(input.paths, as: input.name) }
            let cgroup = cgroups.isEnabled
                ? try cgroups.attempt(jobID: job.jobID, attempt: job.attempt, memoryBytes: request.memoryBytes, cpus: request.cpus)
                : nil
            defer { cgroup?.remove() }
            var launch: CommandLaunch
            do {
                launch = try Self.launch(request, job: job, in: dir, policy: policy, cgroup: cgroup, warm: warm)
            } catch {
                try job.cancellation.check() // stopped while a warm interpreter imported: cancelled, not failed
                throw error
            }
            launch.logs = job.logs
            try job.cancellation.check()
            let outcome = try CommandSupervisor.run(launch, cancellation: job.cancellation)
            let outputs = outcome.status == .exited(code: 0) && !outcome.stopped ? try dir.outputFiles() : OutputFiles(files: [], bytes: 0)
            return (outcome, MetricsFile(path: dir.metrics), outputs)
        }
        if outcome.stopped { throw Cancelled() }
        if let failure = CommandVerdict.failure(outcome, request: request) { throw JobFailure(failure) }
        try await uploadOutputs(outputs, from: dir, job: job)
        await uploadLogs(dir, outcome, job: job)
        return Self.metrics(outcome, logged)
    }

    /// Keeps a succeeded attempt's logs with the job (`drover logs JOB`) as outputs `logs/stdout.log`
    /// and `logs/stderr.log`, when this worker has an artifact store; best effort (a failed
    /// attempt's record carries its stderr tail instead, and the files stay in the attempt directory).
    private func uploadLogs(_ dir: AttemptDirectory, _ outcome: CommandOutcome, job: JobContext) async {
        for (name, path, log) in [("stdout", dir.stdoutLog, outcome.stdout), ("stderr", dir.stderrLog, outcome.stderr)] where log.bytes > 0 {
            if let ref = try? await job.artifacts.upload(fileAt: path) { job.outputs.set("logs/\(name).log", ref.description) }
        }
    }

    /// Resolves the program and working directory and builds the environment.
    static func launch(_ request: CommandJobRequest, job: JobContext, in dir: AttemptDirectory,
                       policy: CommandPolicy, cgroup: AttemptCgroup?, warm: WarmInterpreters) throws(JobFailure) -> CommandLaunch {
        let directory = try policy.directory(for: request.cwd, fallback: dir.path)
        let inherited = ProcessInfo.processInfo.environment
        var env: [String: String] = [:]
        for name in policy.inheritedVariables { env[name] = inherited[name] }
        env.merge(request.env) { _, job in job }
        env["TMPDIR"] = dir.temporary
        env["DROVER_JOB_ID"] = "\(job.jobID)"
        env["DROVER_ATTEMPT"] = "\(job.attempt)"
        env["DROVER_RUN_ID"] = request.runID ?? ""
        env["DROVER_OUTPUT_DIR"] = dir.outputs
        env["DROVER_INPUT_DIR"] = dir.inputs
        env["DROVER_METRICS"] = dir.metrics
        env["DROVER_COMMAND_ROOT"] = policy.root
        let program = try policy.executable(for: request.argv[0], directory: directory,
                                            path: env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        var executable = program
        var argv = request.expandedArgv(inputDirectory: dir.inputs)
        if let cpus = request.cpus {
            let threads = max(1, Int(cpus.rounded(.up)))
            for name in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"] where request.env[name] == nil { env[name] = "\(threads)" }
        }
        let environment = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if !request.preload.isEmpty {
            // The launcher takes the program's place (pipes, group, cgroups, limits); the warm
            // interpreter's child takes all of it over from the launcher.
            argv = try warm.launcher(
                program: program, argv: argv, modules: request.preload, directory: directory, environment: environment,
                cgroupProcs: cgroup?.directories.map { $0.path + "/cgroup.procs" } ?? [], cancellation: job.cancellation)
        }
        var limits: [String] = []
        if let cgroup { limits.append(cgroup.joinScript) }
        if let bytes = request.memoryBytes, cgroup?.memory == nil { limits.append("ulimit -v \(max(1, bytes / 1024))") }
        if let seconds = request.cpuSeconds { limits.append("ulimit -t \(seconds)") }
        if !limits.isEmpty {
            // posix_spawn can neither set resource limits in the child nor start it in a cgroup,
            // and doing either to the child after it started races with it: a shell joins the
            // cgroups and sets the limits, then execs the program.
            executable = "/bin/sh"
            argv = ["/bin/sh", "-c", limits.joined(separator: "; ") + "; exec \"$0\" \"$@\"", program] + argv.dropFirst()
        }
        return CommandLaunch(executable: executable, argv: argv, environment: environment,
                             directory: directory, graceMs: request.graceMs,
                             stdoutPath: dir.stdoutLog, stderrPath: dir.stderrLog,
                             maxLogBytes: policy.maxLogBytes, tailBytes: policy.tailBytes, metricsPath: dir.metrics,
                             cgroup: cgroup)
    }

    /// Uploads the files left in `$DROVER_OUTPUT_DIR` as the attempt's outputs (name = relative path).
    private func uploadOutputs(_ outputs: OutputFiles, from dir: AttemptDirectory, job: JobContext) async throws {
        guard !outputs.files.isEmpty else { return }
        if outputs.bytes > policy.maxOutputBytes {
            throw JobFailure("command: its outputs total \(outputs.bytes) bytes, over this worker's limit of \(policy.maxOutputBytes) bytes")
        }
        for name in outputs.files {
            do {
                let ref = try await job.artifacts.upload(fileAt: dir.outputs + "/" + name)
                job.outputs.set(name, ref.description)
            } catch {
                throw JobFailure("command: cannot upload output '\(name)': \(error)")
            }
        }
    }

    static func metrics(_ outcome: CommandOutcome, _ logged: MetricsFile) -> [String: Double] {
        var metrics = logged.metrics
        for (name, value) in logged.params { if let d = Double(value) { metrics["param." + name] = d } }
        metrics["command.seconds"] = outcome.seconds
        metrics["command.stdout_bytes"] = Double(outcome.stdout.bytes)
        metrics["command.stderr_bytes"] = Double(outcome.stderr.bytes)
        metrics["command.metric_points"] = Double(logged.points)
        if logged.garbageLines > 0 { metrics["command.metrics_garbage_lines"] = Double(logged.garbageLines) }
        let dropped = outcome.stdout.dropped + outcome.stderr.dropped
        if dropped > 0 { metrics["command.log_bytes_dropped"] = Double(dropped) }
        if let peak = outcome.cgroup?.peakBytes { metrics["command.memory_peak_bytes"] = Double(peak) }
        return metrics
    }
}
