import DroverProtocol
import Foundation

/// Where the coordinator keeps what command jobs stream: `DATA/logs/job-J/attempt-A.STREAM`
/// (`stdout`, `stderr`, `metrics`), append-only. `LogStore` writes them on the socket thread;
/// the pipeline runner, in the same process and data directory, reads a running job's metrics
/// straight from them (no `logs` query to encode on the socket thread).
public enum LogFiles {
    public static func directory(dataDirectory: String) -> String { dataDirectory + "/logs" }

    public static func path(dataDirectory: String, job: JobID, attempt: UInt32, stream: String) -> String {
        "\(directory(dataDirectory: dataDirectory))/job-\(job)/attempt-\(attempt).\(stream)"
    }

    /// The newest attempt with a file of any stream, nil before the first chunk arrived.
    public static func newestAttempt(dataDirectory: String, job: JobID) -> UInt32? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory(dataDirectory: dataDirectory))/job-\(job)")) ?? []
        return names.compactMap { UInt32($0.dropFirst("attempt-".count).prefix { $0.isNumber }) }.max()
    }
}
