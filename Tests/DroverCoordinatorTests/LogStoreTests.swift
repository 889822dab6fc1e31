@testable import DroverCoordinator
import DroverProtocol
import Foundation
import Testing

@Suite("LogStore: streamed command output kept with the job")
struct LogStoreTests {
    static func store(maxBytes: Int64 = 64 << 20) throws -> LogStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-logs-\(UUID().uuidString)").path
        return LogStore(dataDirectory: dir, maxBytesPerStream: maxBytes)
    }

    static let lease = Lease(jobID: 5, attempt: 2, token: 99)

    static func chunk(_ seq: UInt64, _ text: String, stream: LogChunk.Stream = .stdout, lease: Lease = lease) -> LogChunk {
        LogChunk(lease: lease, stream: stream, seq: seq, bytes: Array(text.utf8))
    }

    @Test("a sequence gap is marked, duplicates and stale attempts are dropped, streams stay apart")
    func gapsAndStaleness() throws {
        let store = try Self.store()
        let current: (Lease) -> Bool = { $0 == Self.lease }
        store.append([Self.chunk(1, "one\n"), Self.chunk(2, "two\n"), Self.chunk(2, "two again\n"), Self.chunk(5, "five\n"),
                      Self.chunk(1, "err\n", stream: .stderr),
                      Self.chunk(3, "stale\n", lease: Lease(jobID: 5, attempt: 1, token: 98))], isCurrent: current)
        let out = store.read(LogsQuery(id: 5), ended: false)
        #expect(out.attempt == 2)
        #expect(out.text == "one\ntwo\n\n[drover: 2 chunk(s) of output lost]\nfive\n")
        #expect(store.lostChunks == 2)
        #expect(store.read(LogsQuery(id: 5, stream: "stderr"), ended: true).text == "err\n")
        let more = store.read(LogsQuery(id: 5, offset: out.nextOffset), ended: true)
        #expect(more.text.isEmpty && more.ended && more.nextOffset == out.nextOffset)
    }

    @Test("a stream stops at its limit with a marker; reads never split a UTF-8 character")
    func limitsAndUTF8() throws {
        let store = try Self.store(maxBytes: 10)
        store.append([Self.chunk(1, "0123456789abcdef"), Self.chunk(2, "more")], isCurrent: { _ in true })
        let text = store.read(LogsQuery(id: 5), ended: true).text
        #expect(text.hasPrefix("0123456789\n[drover: log limit reached"))
        #expect(!text.contains("more"))
        let euro = Array("€".utf8) // 3 bytes
        #expect(LogStore.completeUTF8Prefix(Array("ab".utf8) + euro.prefix(2)) == 2)
        #expect(LogStore.completeUTF8Prefix(Array("ab".utf8) + euro) == 5)
        #expect(LogStore.completeUTF8Prefix(Array("abc".utf8)) == 3)
    }
}
