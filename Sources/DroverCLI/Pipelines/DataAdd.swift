import ArgumentParser
import DroverArtifacts
import DroverClient
import DroverHTTP
import DroverProtocol
import Foundation
import NativeThreads

/// `drover data add DATASET FILE`: the file becomes the next span of the dataset.
struct DataAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a CSV file as the next span of a dataset (content-addressed, never overwritten).",
        discussion: """
        Examples:
          drover data add diamonds examples/diamonds/span-1.csv
          drover data add churn new.csv --connect tcp://coord-host:5555 --json
          drover data add churn new.csv --data-dir /srv/drover      # on the coordinator's machine

        The file is uploaded to the coordinator's artifact server (its host at its
        worker port + 2, or --artifacts) and stored by its SHA-256 digest, then
        registered with the coordinator as span N+1 of DATASET: it works from any
        machine that reaches the coordinator. With --data-dir the file is written
        straight into that data directory's store instead (no upload).
        Adding the same bytes again returns the existing span.
        """)

    @Argument(help: "Dataset name (letters, digits, '-', '_', '.').")
    var dataset: String
    @Argument(help: "The CSV file: a header row, then one row per line.")
    var file: String
    @OptionGroup var upload: SpanUploadOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw CLIError.input("cannot read \(file)", hint: "check the path")
            }
            let ref = try await upload.store(file, connection: connection)
            let (dataset, file, connection) = (dataset, file, connection)
            let span = try await runOffPool {
                try connection.client().command(AddSpan(dataset: dataset, artifact: ref.description, rows: try Self.rows(file)))
            }
            if output.json {
                try Output.json(span)
            } else {
                Output.line("\(dataset) span \(span.span): \(file) (\(span.size) bytes, \(ref.digest))")
            }
        }
    }

    /// Data rows: lines after the header (a last line without a newline counts).
    static func rows(_ file: String) throws -> Int64 {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw CLIError.input("cannot read \(file)", hint: "check the path") }
        defer { try? handle.close() }
        var lines: Int64 = 0
        var last: UInt8 = 10
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            for byte in chunk where byte == 10 { lines += 1 }
            last = chunk.last ?? last
        }
        if last != 10 { lines += 1 }
        return max(0, lines - 1)
    }
}

/// Where a new span's file goes: the coordinator's artifact server (uploaded), or with
/// `--data-dir` its store directly. Shared by `drover data add` and `drover ingest`.
struct SpanUploadOptions: ParsableArguments {
    @Option(name: .long, help: "Write into this data directory's artifact store directly (the coordinator's, on its machine) instead of uploading.")
    var dataDir: String?
    @Option(name: .long, help: ArgumentHelp("The artifact server, http://HOST:PORT (default: beside --connect).", valueName: "url"))
    var artifacts: String?

    /// The file in the coordinator's store: written directly with --data-dir, else uploaded.
    func store(_ file: String, connection: ConnectionOptions) async throws -> ArtifactRef {
        if let dataDir {
            do {
                return try await runOffPool { try ArtifactStore(dataDirectory: dataDir).put(fileAt: file) }
            } catch {
                throw CLIError("cannot store \(file) in \(dataDir): \(error)", hint: "is --data-dir the coordinator's data directory?")
            }
        }
        let location = ArtifactServerLocation(connect: connection.coordinator, artifacts: artifacts)
        do {
            return try await ArtifactClient(server: try location.address()).upload(fileAt: file)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot upload \(file) to the coordinator's artifact server: \(error)",
                           hint: "is the coordinator running with its artifact server (not --artifacts-bind none)? Or pass --artifacts URL, or --data-dir on its machine")
        }
    }
}
