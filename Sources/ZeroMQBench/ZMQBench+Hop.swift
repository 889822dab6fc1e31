#if canImport(Glibc)
import Glibc
#endif
#if canImport(ZeroMQ) // SwiftPM target; bench/zmq/run.sh compiles these files into one module with the wrapper
import ZeroMQ
#endif

extension ZMQBench {
    /// Round trip from a plain thread into a ``SocketThread`` and back: `submit` (bounded queue +
    /// doorbell) → `onMessage` on the socket thread → a reply doorbell rung → the caller's poll wakes.
    /// This is the cost async code pays to reach the socket thread, twice. Blocks the calling thread.
    public static func socketThreadHop(iterations: Int = 20_000, warmup: Int = 1_000) throws -> ZMQBenchStats.PingPong {
        let ctx = try ZMQContext()
        defer { ctx.terminate() }
        let reply = try Doorbell()
        let thread = try SocketThread(context: ctx, configuration: .init(tickInterval: nil)) { _ in
            HopHandler(reply: reply)
        }
        try thread.start()
        defer {
            thread.requestStop()
            thread.join()
        }
        let poller = ZMQPoller()
        poller.add(fd: reply.fileDescriptor)
        let clock = ContinuousClock()
        var samples: [Duration] = []
        samples.reserveCapacity(iterations)
        for i in 0..<(warmup + iterations) {
            let t0 = clock.now
            guard thread.submit(i) == .accepted else {
                throw ZMQError(code: EAGAIN, operation: "ZMQBench.socketThreadHop", detail: "queue refused")
            }
            while !reply.drain() { try poller.poll(timeoutMs: 5000) }
            if i >= warmup { samples.append(t0.duration(to: clock.now)) }
        }
        samples.sort()
        return ZMQBenchStats.PingPong(
            iterations: samples.count, payloadSize: 0,
            p50: samples.isEmpty ? .zero : samples[samples.count / 2],
            p99: samples.isEmpty ? .zero : samples[samples.count * 99 / 100],
            mean: samples.isEmpty ? .zero : samples.reduce(.zero, +) / samples.count
        )
    }

    /// Rings the reply doorbell for every message.
    final class HopHandler: SocketLoopHandler {
        typealias Message = Int
        let reply: Doorbell
        init(reply: Doorbell) { self.reply = reply }
        func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws {}
        func onMessage(_ message: Int, loop: SocketLoop) throws { reply.ring() }
    }
}
