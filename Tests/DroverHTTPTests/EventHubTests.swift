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
