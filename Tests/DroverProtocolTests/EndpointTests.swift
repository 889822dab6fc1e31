import DroverProtocol
import Testing

@Suite struct EndpointTests {
    @Test("the client socket is the worker port + 1")
    func clientPort() {
        #expect(Endpoint.clientEndpoint(forWorkerEndpoint: "tcp://10.0.0.1:5555") == "tcp://10.0.0.1:5556")
    }

    @Test("a socket bound on every interface is reached at the host the peer reaches the coordinator by; others as bound")
    func connectable() {
        #expect(Endpoint.connectable("tcp://0.0.0.0:40123", coordinator: "tcp://coordinator:5555") == "tcp://coordinator:40123")
        #expect(Endpoint.connectable("tcp://*:40123", coordinator: "tcp://10.1.2.3:5555") == "tcp://10.1.2.3:40123")
        #expect(Endpoint.connectable("tcp://10.0.0.7:40123", coordinator: "tcp://coordinator:5555") == "tcp://10.0.0.7:40123")
        #expect(Endpoint.connectable("ipc:///tmp/t", coordinator: "tcp://coordinator:5555") == "ipc:///tmp/t")
        #expect(Endpoint.host(of: "tcp://127.0.0.1:5555") == "127.0.0.1")
    }
}
