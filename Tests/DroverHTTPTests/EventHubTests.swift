@testable import DroverHTTP
import Testing

@Suite("Event hub")
struct EventHubTests {
    struct Payload: Encodable { var n: Int }

    @Test("a subscriber that never reads is dropped once its buffer is full; publishing never waits; the buffer is then read out")
    func slowSubscriberDropped() async {
        let hub = EventHub(retained: 4, subscriberBuffer: 8)
        let (stream, overflowed) = hub.subscribe(after: nil)
        for n in 0..<100 { hub.publish("job", Payload(n: n)) }
        #expect(hub.subscriberCount == 0 && hub.droppedCount == 1 && overflowed())
        var got: [String] = []
        for await item in stream { if case .event(let e) = item { got.append(e.data) } }
        #expect(got == (0..<8).map { "{\"n\":\($0)}" })
    }

    @Test("Last-Event-ID replays the retained events after it; an id older than those kept gets a reset first")
    func resume() async {
        let hub = EventHub(retained: 4, subscriberBuffer: 16)
        let ids = (0..<6).map { hub.publish("job", Payload(n: $0)) }
        var (stream, _) = hub.subscribe(after: ids[3])
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == .event(DroverEvent(id: ids[4], type: "job", data: "{\"n\":4}")))
        #expect(await iterator.next() == .event(DroverEvent(id: ids[5], type: "job", data: "{\"n\":5}")))
        (stream, _) = hub.subscribe(after: ids[0])
        iterator = stream.makeAsyncIterator()
        guard case .reset = await iterator.next() else { Issue.record("expected a reset first"); return }
        #expect(await iterator.next() == .event(DroverEvent(id: ids[2], type: "job", data: "{\"n\":2}")))
        hub.close()
        var rest = 0
        while await iterator.next() != nil { rest += 1 }
        #expect(rest == 3 && hub.subscriberCount == 0)
    }
}

@Suite("Event batches")
struct EventBatchTests {
    @discardableResult
    static func publish(_ hub: EventHub, _ objects: [String], type: String = "job") -> UInt64? {
        var data: [UInt8] = [], ends: [Int] = []
        for o in objects { data += Array(o.utf8); ends.append(data.count) }
        return hub.publish(type, data: data, ends: ends)
    }

    @Test("a batch becomes frames with consecutive ids; resuming inside it gives only the events after the id")
    func resumeInsideBatch() async {
        let hub = EventHub(retained: 100, subscriberBuffer: 200)
        let last = try! #require(Self.publish(hub, [#"{"n":0}"#, #"{"n":1}"#, #"{"n":2}"#]))
        let (stream, _) = hub.subscribe(after: last - 2)
        var it = stream.makeAsyncIterator()
        guard case .batch(let b) = await it.next() else { Issue.record("expected a batch"); return }
        #expect(b.firstID == last - 1 && b.count == 2)
        #expect(String(decoding: b.text, as: UTF8.self) == "id: \(last - 1)\nevent: job\ndata: {\"n\":1}\n\nid: \(last)\nevent: job\ndata: {\"n\":2}\n\n")
        #expect(b.events == [DroverEvent(id: last - 1, type: "job", data: #"{"n":1}"#), DroverEvent(id: last, type: "job", data: #"{"n":2}"#)])
    }

    @Test("a type filter keeps other types out, live and on resumption; single events and batches share one id sequence")
    func typeFilter() async {
        let hub = EventHub(retained: 100, subscriberBuffer: 200)
        let before = hub.publish("run", EventHubTests.Payload(n: 0))
        let (jobs, _) = hub.subscribe(after: before - 1, types: ["job"])
        let (runs, _) = hub.subscribe(after: before - 1, types: ["run"])
        #expect(!hub.hasSubscribers(wanting: "verdict") && hub.hasSubscribers(wanting: "job"))
        let lastJob = Self.publish(hub, [#"{"n":1}"#, #"{"n":2}"#])
        let run = hub.publish("run", EventHubTests.Payload(n: 3))
        #expect(lastJob == before + 2 && run == before + 3)
        hub.close()
        var seenJobs: [UInt64] = [], seenRuns: [UInt64] = []
        for await item in jobs { if case .batch(let b) = item { seenJobs += b.events.map(\.id) } else if case .event(let e) = item { seenJobs.append(e.id) } }
        for await item in runs { if case .event(let e) = item { seenRuns.append(e.id) } else if case .batch = item { seenRuns.append(0) } }
        #expect(seenJobs == [before + 1, before + 2] && seenRuns == [before, before + 3])
    }

    @Test("a subscriber is dropped when a batch would put it more events behind than its buffer; reading makes room")
    func backlogCountsEvents() async {
        let hub = EventHub(retained: 4, subscriberBuffer: 10)
        let (stream, overflowed) = hub.subscribe(after: nil)
        var it = stream.makeAsyncIterator()
        Self.publish(hub, (0..<6).map { "{\"n\":\($0)}" })
        _ = await it.next() // 6 read: room for 10 again
        Self.publish(hub, (0..<6).map { "{\"n\":\($0)}" })
        #expect(!overflowed())
        Self.publish(hub, (0..<6).map { "{\"n\":\($0)}" }) // 12 unread > 10
        #expect(overflowed() && hub.droppedCount == 1)
        guard case .batch(let b) = await it.next() else { Issue.record("the unread batch stays readable"); return }
        #expect(b.count == 6)
        #expect(await it.next() == nil)
    }

    @Test("retention is bounded by bytes as well as events; an id older than what is kept gets a reset")
    func retentionByBytes() async {
        let hub = EventHub(retained: 1_000, retainedBytes: 200, subscriberBuffer: 2_000)
        let first = try! #require(Self.publish(hub, [String(repeating: "x", count: 150)].map { "\"\($0)\"" }))
        Self.publish(hub, [#"{"n":1}"#])
        Self.publish(hub, [#"{"n":2}"#])
        let (stream, _) = hub.subscribe(after: first - 1)
        var it = stream.makeAsyncIterator()
        guard case .reset = await it.next() else { Issue.record("expected a reset: the 150-byte event was evicted"); return }
    }
}
