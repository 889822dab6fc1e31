import DroverCoordinator
import Testing

@Suite("Bind exposure: no plaintext beyond this machine by accident")
struct BindExposureTests {
    @Test("loopback, ipc and inproc endpoints are local; wildcards, interfaces and other hosts are not",
          arguments: [
              ("tcp://127.0.0.1:5555", true), ("tcp://127.9.8.7:1", true), ("tcp://localhost:5555", true),
              ("tcp://[::1]:5555", true), ("tcp://lo:5555", true), ("ipc:///tmp/x", true), ("inproc://x", true),
              ("tcp://*:5555", false), ("tcp://0.0.0.0:5555", false), ("tcp://[::]:5555", false),
              ("tcp://eth0:5555", false), ("tcp://10.0.0.1:5555", false), ("tcp://127.0.0.1;10.0.0.1:5555", false),
              ("tcp://10.0.0.1;127.0.0.1:5555", true), ("udp://127.0.0.1:1", false), ("127.0.0.1:5555", false),
          ])
    func loopback(endpoint: String, local: Bool) {
        #expect(BindExposure.isLoopback(endpoint) == local)
    }

    @Test("an exposed plaintext bind is refused with what to do; keys or --insecure allow it")
    func refusal() throws {
        let why = try #require(BindExposure.refusal(endpoints: ["tcp://127.0.0.1:1", "tcp://*:2"], secured: false, insecure: false))
        #expect(why.contains("tcp://*:2"))
        #expect(why.contains("drover keys generate"))
        #expect(why.contains("--insecure"))
        #expect(BindExposure.refusal(endpoints: ["tcp://*:2"], secured: true, insecure: false) == nil)
        #expect(BindExposure.refusal(endpoints: ["tcp://*:2"], secured: false, insecure: true) == nil)
        #expect(BindExposure.refusal(endpoints: ["tcp://127.0.0.1:2"], secured: false, insecure: false) == nil)
    }
}
