import DroverProtocol
import Foundation
import Testing

/// The hand-written job list must say exactly what `JSONEncoder` says: clients decode it with it.
@Suite struct JSONTextTests {
    static let jobs = [
        JobSummary(id: 1, kind: "noop", state: "succeeded", attempt: 1, worker: "w-1"),
        JobSummary(id: 18_446_744_073_709_551_615, kind: "train", state: "queued", attempt: 0, worker: nil),
        JobSummary(id: 7, kind: "a/b\u{8}\u{c}\n\r quote \" back\\slash\ttab\u{1}ctl", state: "failed", attempt: 4_294_967_295, worker: "é 🚀 漢"),
    ]

    @Test("the same bytes as JSONEncoder with sorted keys (nil worker left out)")
    func sameBytes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(JobSummary.json(Self.jobs) == [UInt8](try encoder.encode(Self.jobs)))
        #expect(JobSummary.json([]) == Array("[]".utf8))
    }

    @Test("a jobs page: the same bytes as JSONEncoder, next null on the last page")
    func page() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let full = JobsPage(items: Self.jobs, limit: 3), last = JobsPage(items: Self.jobs, limit: 50)
        #expect(full.next == "7" && last.next == nil)
        for page in [full, last, JobsPage(items: [], limit: 50)] {
            #expect(page.json == [UInt8](try encoder.encode(page)))
            #expect(try JSONDecoder().decode(JobsPage.self, from: Data(page.json)) == page)
        }
        #expect(String(decoding: last.json.suffix(12), as: UTF8.self) == #"],"next":null}"#.suffix(12))
    }

    @Test("decodes back to the same values")
    func roundTrip() throws {
        #expect(try JSONDecoder().decode([JobSummary].self, from: Data(JobSummary.json(Self.jobs))) == Self.jobs)
    }
}
