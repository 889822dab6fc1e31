/// Errors of the metadata store and the registry: what went wrong, where, and what to do.
public enum MetadataStoreError: Error, Equatable, CustomStringConvertible {
    case open(path: String, reason: String)
    case write(operation: String, reason: String)
    /// Params are immutable (MLflow's rule): log a new run for a new value.
    case paramChanged(runID: String, key: String, old: String, new: String)
    /// A span number is written once, with one digest.
    case spanChanged(dataset: String, span: Int, old: String, new: String)
    /// Recorded after `close()`.
    case closed
    /// A stored metric block that cannot be read (a truncated or foreign `points` blob).
    case corruptMetrics(runID: String, key: String, reason: String)
    case rejected([MetadataStoreError])

    public var description: String {
        switch self {
        case .open(let path, let reason):
            "cannot open the metadata store \(path): \(reason). Check the --data-dir path and its permissions."
        case .write(let operation, let reason):
            "cannot write the metadata store (\(operation)): \(reason). Check free disk space and permissions."
        case .paramChanged(let run, let key, let old, let new):
            "run \(run): param '\(key)' is already '\(old)'; params are immutable, so '\(new)' was not recorded. Start a new run for a new value."
        case .spanChanged(let dataset, let span, let old, let new):
            "dataset \(dataset) span \(span) already has digest \(old); spans are never overwritten, so \(new) was not recorded. Add it as a new span."
        case .closed:
            "the metadata store is closed; the event was not recorded"
        case .corruptMetrics(let run, let key, let reason):
            "run \(run): the stored values of metric '\(key)' are unreadable: \(reason). Restore metadata.sqlite from a backup."
        case .rejected(let errors):
            "\(errors.count) metadata events were rejected:\n" + errors.map { "  \($0.description)" }.joined(separator: "\n")
        }
    }
}
