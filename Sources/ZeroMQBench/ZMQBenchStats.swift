/// Results of ``ZMQBench``.
public enum ZMQBenchStats {
    /// One message in flight at a time.
    public struct PingPong: Sendable, CustomStringConvertible {
        public var iterations: Int
        public var payloadSize: Int
        public var p50: Duration
        public var p99: Duration
        public var mean: Duration

        public var description: String {
            "pingpong  iters=\(iterations) size=\(payloadSize)  p50=\(micros(p50))us p99=\(micros(p99))us mean=\(micros(mean))us"
        }
    }

    /// Up to `window` messages in flight.
    public struct Throughput: Sendable, CustomStringConvertible {
        public var messages: Int
        public var payloadSize: Int
        public var window: Int
        public var elapsed: Duration
        /// CPU time of the calling (client) thread during the run, excluding libzmq's I/O thread.
        public var clientThreadCPU: Duration
        public var messagesPerSecond: Double {
            messages == 0 ? 0 : Double(messages) / seconds(elapsed)
        }

        public var description: String {
            let cpuPerMessage = messages == 0 ? .zero : clientThreadCPU / messages
            return "pipelined msgs=\(messages) size=\(payloadSize) window=\(window)  \(Int(messagesPerSecond)) msg/s"
                + "  client-thread cpu=\(ZMQBenchStats.micros(cpuPerMessage, digits: 2))us/msg"
        }
    }

    /// CPU per send + receive pair on one thread.
    public struct CallCost: Sendable, CustomStringConvertible {
        public var messages: Int
        public var payloadSize: Int
        public var batch: Int
        public var cpu: Duration
        public var nanosecondsPerMessage: Double {
            messages == 0 ? 0 : seconds(cpu) * 1e9 / Double(messages)
        }

        public var description: String {
            "inproc    msgs=\(messages) size=\(payloadSize) batch=\(batch)  send+recv cpu=\(Int(nanosecondsPerMessage))ns/msg"
        }
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, a) = d.components
        return Double(s) + Double(a) / 1e18
    }

    static func micros(_ d: Duration, digits: Int = 1) -> String {
        let scale = digits == 2 ? 100.0 : 10.0
        return String(Double(Int(seconds(d) * 1e6 * scale)) / scale)
    }
}
