import ArgumentParser
import DroverArtifacts
import DroverClient
import DroverHTTP
import DroverProtocol
import Foundation
import NativeThreads

/// `drover logs JOB`: what a command job printed, as kept with the job (docs/commands.md, "Logs").
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show a command job's stdout and stderr, as kept with the job.",
        discussion: """
        Examples:
          drover logs 42                 # stdout, then stderr
          drover logs 42 --stream stderr
          drover logs 42 --follow        # wait for the job to end, then show them

        A succeeded job keeps its whole logs (up to 64 MiB per stream) as artifacts on the
        coordinator's artifact server; a failed one keeps the tail of stderr in its record. The
        complete logs of every attempt also stay on its worker in
        ROOT/.drover-attempts/job-J/attempt-A/. Logs are not streamed while the job runs.
        """)

    @Argument(help: "The job id.")
    var job: JobID
    @Option(name: .long, help: "stdout, stderr or both.")
    var stream: String = "both"
    @Flag(name: .long, help: "Wait until the job has ended, then show its logs.")
    var follow = false
    @Option(name: .long, help: ArgumentHelp("The artifact server, http://HOST:PORT (default: the coordinator's host, port + 2).", valueName: "url"))
    var artifacts: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard ["stdout", "stderr", "both"].contains(stream) else { throw ValidationError("--stream must be stdout, stderr or both") }
    }

    func run() async throws {
        try await Output.run {
            // The ZeroMQ client blocks: it lives on a thread of its own.
            let (coordinator, timeout, curve, id) = (connection.coordinator, connection.timeout, try connection.curveKeys(), job)
            let ask = { @Sendable () async throws -> JobInfo in
                try await runOffPool { try DroverClient(coordinator: coordinator, timeoutMs: timeout, curve: curve).query(JobQuery(id: id)) }
            }
            var info = try await ask()
            while follow, !Self.ended(info.state) {
                try await Task.sleep(for: .milliseconds(250))
                info = try await ask()
            }
            let names = stream == "both" ? ["stdout", "stderr"] : [stream]
            let kept = names.compactMap { name in info.outputs?["logs/\(name).log"].map { (name, $0) } }
            if kept.isEmpty {
                guard let message = info.message, !message.isEmpty else {
                    return Output.line("job \(job) (\(info.state)) has no logs kept with it\(Self.ended(info.state) ? "" : " yet: it has not ended (try --follow)")")
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
                if names.count > 1 { Output.line("==> \(name) <==") }
                FileHandle.standardOutput.write(Data(bytes))
            }
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
