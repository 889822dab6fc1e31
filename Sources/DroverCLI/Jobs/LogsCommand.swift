import ArgumentParser
import DroverArtifacts
import DroverClient
import DroverHTTP
import DroverProtocol
import Foundation
import NativeThreads
import ZeroMQ

/// `drover logs JOB`: what a command job printed, as kept with the job (docs/commands.md, "Logs").
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show a command job's stdout and stderr, as kept with the job.",
        discussion: """
        Examples:
          drover logs 42                 # its stdout (on stdout) and stderr (on stderr)
          drover logs 42 --stream stderr
          drover logs 42 --follow        # live, until the job ends

        The worker streams a command's output to the coordinator while it runs (in bounded
        chunks; lost ones show as a line `[drover: N chunk(s) of output lost]`), kept in the
        coordinator's data directory. The job's stdout is printed on stdout, its stderr on
        stderr. Without streamed logs (an older worker), a succeeded job's log artifacts or a
        failed job's stderr tail are shown.
        """)

    @Argument(help: "The job id.")
    var job: JobID
    @Option(name: .long, help: "stdout, stderr, both, or metrics (the lines of $DROVER_METRICS, streamed while it runs).")
    var stream: String = "both"
    @Flag(name: .long, help: "Keep printing new output until the job has ended.")
    var follow = false
    @Option(name: .long, help: ArgumentHelp("The artifact server, http://HOST:PORT (default: the coordinator's host, port + 2).", valueName: "url"))
    var artifacts: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard ["stdout", "stderr", "both", "metrics"].contains(stream) else { throw ValidationError("--stream must be stdout, stderr, both or metrics") }
    }

    func run() async throws {
        try await Output.run {
            // The ZeroMQ client blocks: it lives on a thread of its own.
            let (coordinator, timeout, curve, id) = (connection.coordinator, connection.timeout, try connection.curveKeys(), job)
            let streams = stream == "both" ? ["stdout", "stderr"] : [stream]
            var offsets = Dictionary(uniqueKeysWithValues: streams.map { ($0, Int64(0)) })
            var attempt: UInt32?
            var printedAny = false
            while true {
                var quiet = true, ended = false
                for name in streams {
                    let q = LogsQuery(id: id, attempt: attempt, stream: name, offset: offsets[name] ?? 0)
                    let reply = try await runOffPool {
                        try DroverClient(coordinator: coordinator, timeoutMs: timeout, curve: curve).query(q)
                    }
                    ended = reply.ended
                    if reply.attempt > 0 { attempt = attempt ?? reply.attempt }
                    guard !reply.text.isEmpty else { continue }
                    quiet = false
                    printedAny = true
                    offsets[name] = reply.nextOffset
                    (name == "stderr" ? FileHandle.standardError : FileHandle.standardOutput).write(Data(reply.text.utf8))
                }
                if quiet, ended || !follow { break }
                if quiet { try await Task.sleep(for: .milliseconds(200)) }
            }
            if !printedAny { try await showKept(coordinator: coordinator, timeout: timeout, curve: curve) }
        }
    }

    /// Without streamed logs: the log artifacts of a succeeded job, or a failed job's stderr tail.
    private func showKept(coordinator: String, timeout: Int, curve: CurveClientKeys?) async throws {
        let id = job
        let info = try await runOffPool { try DroverClient(coordinator: coordinator, timeoutMs: timeout, curve: curve).query(JobQuery(id: id)) }
        let names = stream == "both" ? ["stdout", "stderr"] : [stream]
        let kept = names.compactMap { name in info.outputs?["logs/\(name).log"].map { (name, $0) } }
        if kept.isEmpty {
            guard let message = info.message, !message.isEmpty else {
                return Output.line("job \(job) (\(info.state)) has no logs\(Self.ended(info.state) ? "" : " yet (try --follow)")")
            }
            return Output.line(message)
        }
        let server = try address()
        let http = ArtifactClient(server: server)
        for (name, text) in kept {
            let ref: ArtifactRef
            do { ref = try ArtifactRef(parsing: text) } catch { throw CLIError("job \(job): log \(name) has a bad reference \(text)") }
            let bytes: [UInt8]
            do { bytes = try await http.fetch(ref, range: 0..<ref.size) } catch {
                throw CLIError("cannot fetch the \(name) log of job \(job) from \(server): \(error)", hint: "pass --artifacts http://HOST:PORT")
            }
            (name == "stderr" ? FileHandle.standardError : FileHandle.standardOutput).write(Data(bytes))
        }
    }

    private func address() throws(CLIError) -> ArtifactAddress {
        if let artifacts {
            do { return try ArtifactAddress(parsing: artifacts) } catch { throw CLIError("--artifacts: \(error)", exitCode: DroverExit.usage) }
        }
        guard let address = ArtifactAddress.beside(zmqEndpoint: connection.coordinator) else {
            throw CLIError("cannot derive the artifact server from '\(connection.coordinator)'", hint: "pass --artifacts http://HOST:PORT",
                           exitCode: DroverExit.usage)
        }
        return address
    }

    static func ended(_ state: String) -> Bool {
        JobState(name: state)?.isTerminal ?? true
    }
}
