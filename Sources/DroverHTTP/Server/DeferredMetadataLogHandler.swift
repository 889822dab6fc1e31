import Logging

/// A log handler that keeps the logger's metadata and hands it to `Inner` only when a line is
/// logged. swift-log's `StreamLogHandler` renders its metadata to text each time a key is set, and
/// Hummingbird sets `hb.request.id` on a copy of the logger for every request, so at the default
/// level (nothing logged per request) that rendering was ~3 % of `drover serve`'s CPU under wrk
/// (perf, release). The line logged is the same, except that a key both set on the logger and
/// given by a metadata provider takes the logger's value.
public struct DeferredMetadataLogHandler<Inner: LogHandler>: LogHandler {
    public var inner: Inner
    public var metadata: Logger.Metadata = [:]

    public init(_ inner: Inner) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit } }
        inner.log(event: event)
    }

    @available(*, deprecated, renamed: "log(event:)")
    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                    function: String, line: UInt) {
        log(event: LogEvent(level: level, message: message, metadata: metadata, source: source, file: file, function: function, line: line))
    }
}
