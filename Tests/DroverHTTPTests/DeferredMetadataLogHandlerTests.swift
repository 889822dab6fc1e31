import DroverHTTP
import Logging
import Synchronization
import Testing

@Suite("Log metadata rendered only when a line is logged")
struct DeferredMetadataLogHandlerTests {
    final class Lines: TextOutputStream, Sendable {
        let lines = Mutex<[String]>([])
        func write(_ string: String) {
            // Without the timestamp (the first field), which differs between two handlers.
            lines.withLock { $0.append(String(string.drop { $0 != " " })) }
        }
    }

    @Test("metadata set on the logger stays out of the inner handler until a line is logged; the line is the same")
    func sameLines() {
        let plain = Lines(), deferred = Lines()
        var direct = Logger(label: "t") { StreamLogHandler(label: $0, stream: plain, metadataProvider: nil) }
        var wrapped = Logger(label: "t") { DeferredMetadataLogHandler(StreamLogHandler(label: $0, stream: deferred, metadataProvider: nil)) }
        direct[metadataKey: "hb.request.id"] = "42"
        wrapped[metadataKey: "hb.request.id"] = "42"
        direct[metadataKey: "model"] = "churn"
        wrapped[metadataKey: "model"] = "churn"
        direct.logLevel = .debug
        wrapped.logLevel = .debug
        for logger in [direct, wrapped] {
            logger.info("serve.swap", metadata: ["to": "3", "model": "other"])
            logger.debug("plain")
            logger.trace("dropped")
        }
        #expect(plain.lines.withLock { $0 }.count == 2)
        #expect(plain.lines.withLock { $0 } == deferred.lines.withLock { $0 })
        #expect(deferred.lines.withLock { $0 }.first?.contains("hb.request.id=42") == true)
        var handler = DeferredMetadataLogHandler(StreamLogHandler(label: "t", stream: deferred, metadataProvider: nil))
        handler[metadataKey: "k"] = "v"
        #expect(handler.inner.metadata.isEmpty && handler[metadataKey: "k"] == "v")
    }
}
