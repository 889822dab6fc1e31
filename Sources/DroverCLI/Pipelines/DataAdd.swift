import ArgumentParser
import DroverArtifacts
import DroverClient
import DroverProtocol
import Foundation

/// `drover data add DATASET FILE`: the file becomes the next span of the dataset.
struct DataAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a CSV file as the next span of a dataset (content-addressed, never overwritten).",
        discussion: """
        Examples:
          drover data add diamonds examples/diamonds/span-1.csv
          drover data add churn new.csv --data-dir /srv/drover --json

        The file is stored in the coordinator's artifact store by its SHA-256
        digest, then registered with the coordinator as span N+1 of DATASET.
        Adding the same bytes again returns the existing span.
        """)

    @Argument(help: "Dataset name (letters, digits, '-', '_', '.').")
    var dataset: String
    @Argument(help: "The CSV file: a header row, then one row per line.")
    var file: String
    @Option(name: .long, help: "The coordinator's data directory (its artifact store is written directly).")
    var dataDir: String = ".drover"
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try Output.runSync {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw CLIError.input("cannot read \(file)", hint: "check the path")
            }
            let ref: ArtifactRef
            do {
                ref = try ArtifactStore(dataDirectory: dataDir).put(fileAt: file)
            } catch {
                throw CLIError("cannot store \(file) in \(dataDir): \(error)", hint: "is --data-dir the coordinator's data directory?")
            }
            let span = try connection.client().command(AddSpan(dataset: dataset, artifact: ref.description, rows: try Self.rows(file)))
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
