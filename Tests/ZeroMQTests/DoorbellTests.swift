import Dispatch
import Testing
@testable import ZeroMQ

@Suite("Doorbell and poller")
struct DoorbellTests {
    @Test func ringFromAnotherThreadWakesABlockedPoll() throws {
        let bell = try Doorbell()
        let woke = try onThread(deadline: .seconds(5)) { () throws -> Bool in
            let poller = ZMQPoller()
            poller.add(fd: bell.fileDescriptor)
            DispatchQueue.global().async { bell.ring() }
            // Infinite timeout: only the ring can end this poll.
            let ready = try poller.poll(timeoutMs: -1)
            return ready == 1 && poller.events(forFD: bell.fileDescriptor).contains(.readable) && bell.drain()
        }
        #expect(woke == true)
    }

    @Test func drainResetsTheBellAndRingsCoalesce() throws {
        let bell = try Doorbell()
        #expect(bell.drain() == false)
        bell.ring(); bell.ring(); bell.ring()
        #expect(bell.drain() == true)
        #expect(bell.drain() == false)
    }

    @Test func aClosedSocketIsDroppedFromThePollSet() throws {
        let ready = try onThread { () throws -> Int in
            let ctx = try ZMQContext()
            defer { ctx.terminate() }
            let socket = try ZMQSocket(ctx, type: .router)
            let poller = ZMQPoller()
            try poller.add(socket)
            socket.close()
            let n = try poller.poll(timeoutMs: 0) // would be ENOTSOCK without pruning
            return n + poller.count
        }
        #expect(ready == 0)
    }

    @Test func pollTimesOutWithNothingReady() throws {
        let ready = try onThread { () throws -> Int in
            let bell = try Doorbell()
            let poller = ZMQPoller()
            poller.add(fd: bell.fileDescriptor)
            return try poller.poll(timeoutMs: 10)
        }
        #expect(ready == 0)
    }
}
