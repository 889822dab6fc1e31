// Driver for ZMQBench: the `zmq-bench` executable target (`swift build --product zmq-bench`).
// bench/zmq/run.sh compiles these files together with Sources/ZeroMQ into one module
// (swiftc -O -wmo), as earlier figures were measured.
//
//   swift_bench                  echo server on another thread + client, tcp loopback
//   swift_bench client ENDPOINT  client only, e.g. against `raw_rtt serve` (isolates client cost)
//   swift_bench serve ENDPOINT   echo server only
//   swift_bench inproc           one thread, inproc PAIR pair: CPU per send+receive (call overhead)
//   swift_bench hop              plain thread -> SocketThread (submit + doorbell) -> back: wake-up cost
//
// Environment: ITER, SIZE, MSGS, WINDOW as for raw_rtt; API=reusable|arrays.

#if canImport(Glibc)
import Glibc
#endif
#if canImport(ZeroMQ) // SwiftPM target; bench/zmq/run.sh compiles these files into one module with the wrapper
import ZeroMQ
#endif

@main
struct SwiftBench {
    static func env(_ name: String, _ fallback: Int) -> Int {
        getenv(name).flatMap { Int(String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self)) } ?? fallback
    }

    static func main() throws {
        var options = ZMQBench.Options()
        options.iterations = env("ITER", options.iterations)
        options.payloadSize = env("SIZE", options.payloadSize)
        options.messages = env("MSGS", options.messages)
        options.window = env("WINDOW", options.window)
        if let api = getenv("API"), strcmp(api, "arrays") == 0 { options.api = .arrays }
        let args = CommandLine.arguments
        if args.count == 2 && args[1] == "hop" {
            var stats = try ZMQBench.socketThreadHop(iterations: options.iterations)
            stats.payloadSize = 0
            print("hop " + String(describing: stats).dropFirst("pingpong".count))
            return
        }
        if args.count == 2 && args[1] == "inproc" {
            print("api=\(options.api)")
            print(try ZMQBench.inprocCallCost(options: options))
            return
        }
        if args.count == 3 && args[1] == "serve" {
            let ctx = try ZMQContext()
            try ZMQBench.serveEcho(bind: args[2], context: ctx) { print("serving on \($0)") }
            ctx.terminate()
            return
        }
        let pingPong: ZMQBenchStats.PingPong, throughput: ZMQBenchStats.Throughput
        if args.count == 3 && args[1] == "client" {
            let ctx = try ZMQContext()
            pingPong = try ZMQBench.pingPong(connect: args[2], context: ctx, options: options)
            throughput = try ZMQBench.pipelined(connect: args[2], context: ctx, options: options)
            try ZMQBench.stopEcho(connect: args[2], context: ctx)
            ctx.terminate()
        } else {
            (pingPong, throughput) = try ZMQBench.runLoopback(options: options)
        }
        print("api=\(options.api)")
        print(pingPong)
        print(throughput)
    }
}
