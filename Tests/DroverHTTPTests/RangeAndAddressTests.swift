import DroverHTTP
import Testing

@Suite("Range headers and artifact addresses")
struct RangeAndAddressTests {
    @Test(arguments: [
        (nil as String?, ByteRangeRequest.whole),
        ("bytes=0-99", .partial(0..<100)),
        ("bytes=100-", .partial(100..<1000)),
        ("bytes=-10", .partial(990..<1000)),
        ("bytes=900-5000", .partial(900..<1000)),
        ("bytes=1000-", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=5-1", .whole),
        ("bytes=0-1,5-6", .whole),
        ("items=0-1", .whole),
    ])
    func resolvesRangeHeadersAgainstTheSize(header: String?, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, size: 1000) == expected)
    }

    @Test func headerForARangeIsInclusive() {
        #expect(ByteRangeRequest.header(for: 10..<20) == "bytes=10-19")
    }

    @Test func addressesParseAndSitBesideTheWorkerPort() throws {
        #expect(try ArtifactAddress(parsing: "http://10.0.0.5:5557/") == ArtifactAddress(host: "10.0.0.5", port: 5557))
        #expect(try ArtifactAddress(parsing: "[::1]:80") == ArtifactAddress(host: "::1", port: 80))
        #expect(ArtifactAddress.beside(zmqEndpoint: "tcp://127.0.0.1:5555") == ArtifactAddress(host: "127.0.0.1", port: 5557))
        #expect(ArtifactAddress.beside(zmqEndpoint: "tcp://*:6000")?.tcpEndpoint == "tcp://0.0.0.0:6002")
        #expect(ArtifactAddress(host: "::1", port: 1).url == "http://[::1]:1")
        #expect(throws: ArtifactAddressError.self) { try ArtifactAddress(parsing: "https://h:1") }
        #expect(throws: ArtifactAddressError.self) { try ArtifactAddress(parsing: "http://h") }
        #expect(throws: ArtifactAddressError.self) { try ArtifactAddress(parsing: "http://:5557") }
    }
}
