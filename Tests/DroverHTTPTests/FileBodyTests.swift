import DroverArtifacts
@testable import DroverHTTP
import Foundation
import Hummingbird
import Logging
import NativeThreads
import Synchronization
import Testing

/// Response bodies sent straight from files (`FileBody`, `sendfile(2)`), on real servers on loopback.
@Suite("Response bodies sent from files")
struct FileBodyTests {
    @Test func artifactDownloadsAndRangesAreSentFromTheStoredFile() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let bytes = randomBytes(9 << 20 + 5, seed: 4)
        let ref = try store.put(bytes: bytes)
        try await withServer(store: store) { address in
            let client = ArtifactClient(server: address)
            let before = FileBodyHandler.bytesSent.load(ordering: .relaxed)
            let cache = try ArtifactCache(directory: dir.path + "/cache", maxBytes: 64 << 20)
            let path = try await client.download(ref, into: cache) // Connection: close, as every client exchange
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
            let slice = try await client.fetch(ref, range: 4_000_001..<4_100_000)
            #expect(slice == Array(bytes[4_000_001..<4_100_000]))
            // Other tests may send files at the same time: at least these two bodies went out from the file.
            #expect(FileBodyHandler.bytesSent.load(ordering: .relaxed) - before >= ref.size + 99_999)
        }
    }

    @Test func pipelinedRequestsOnOneConnectionEachGetTheirOwnBytes() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        let a = randomBytes(300_000, seed: 5), b = randomBytes(2 << 20, seed: 6)
        let (refA, refB) = (try store.put(bytes: a), try store.put(bytes: b))
        try await withServer(store: store) { address in
            let host = "Host: \(address.host):\(address.port)\r\n"
            let requests = "GET /artifacts/\(refA.digest) HTTP/1.1\r\n\(host)Range: bytes=1000-1999\r\n\r\n"
                + "HEAD /artifacts/\(refB.digest) HTTP/1.1\r\n\(host)\r\n"
                + "GET /artifacts/\(refB.digest) HTTP/1.1\r\n\(host)\r\n"
                + "GET /artifacts/\(refA.digest) HTTP/1.1\r\n\(host)Connection: close\r\n\r\n"
            let answers = try await RawHTTP.exchange(port: address.port, requests, heads: [false, true, false, false])
            #expect(answers.map(\.status) == [206, 200, 200, 200])
            #expect(answers[0].body == Array(a[1000..<2000]))
            #expect(answers[1].headers["content-length"] == "\(b.count)" && answers[1].body.isEmpty)
            #expect(answers[2].body == b)
            #expect(answers[3].body == a)
            #expect(answers.allSatisfy { $0.headers[FileBody.header] == nil }) // the route's note to the handler never leaves
        }
    }

    @Test func aFileMissingOrShorterThanItsRangeClosesTheConnectionAndTheServerGoesOn() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let bytes = randomBytes(5000, seed: 7)
        let file = try dir.file("small", bytes: bytes)
        let routes = [("/short", FileBody(path: file, range: 0..<6000)),
                      ("/missing", FileBody(path: dir.path + "/nothing", range: 0..<10)),
                      ("/tail", FileBody(path: file, range: 4000..<5000))]
        let ready = OneShot<Result<ArtifactAddress, ArtifactServerError>>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let router = Router(context: BasicRequestContext.self)
                for (uri, body) in routes {
                    router.get(RouterPath(uri)) { _, _ in
                        Response(status: .ok, headers: [.contentLength: "\(body.range.count)",
                                                         HTTPFields.Element.Name(FileBody.header)!: body.headerValue])
                    }
                }
                try await HTTPListener.run(router: router, address: ArtifactAddress(host: "127.0.0.1", port: 0), serverName: "test",
                                           event: "test.started", ready: ready, logger: Logger(label: "test.files"), hint: "",
                                           fileBodies: true)
            }
            defer { group.cancelAll() }
            let address = try await ready.value().get()
            let client = ArtifactClient(server: address)
            for uri in ["/short", "/missing"] {
                await #expect(throws: ArtifactError.self) { try await client.exchange(.GET, uri).perform(receive: { _ in }) }
            }
            let body = Mutex<[UInt8]>([])
            let answer = try await client.exchange(.GET, "/tail").perform(receive: { chunk in body.withLock { $0 += Array(buffer: chunk) } })
            #expect(answer.status == .ok)
            #expect(body.withLock { $0 } == Array(bytes[4000..<5000]))
        }
    }
}

/// HTTP/1.1 over a plain blocking socket, to send several requests at once on one connection
/// (the clients in the product use a connection per request).
enum RawHTTP {
    struct Answer: Sendable {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: [UInt8]
    }

    /// Sends `requests` in one write and reads one answer per entry of `heads` (true: the answer
    /// to a HEAD, without a body), each framed by its Content-Length.
    static func exchange(port: Int, _ requests: String, heads: [Bool]) async throws -> [Answer] {
        try await runOffPool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw RawError("socket: errno \(errno)") }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw RawError("connect: errno \(errno)") }
            let out = Array(requests.utf8)
            guard out.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == out.count else { throw RawError("short send") }
            var buffer: [UInt8] = [], answers: [Answer] = []
            func fill() throws {
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { throw RawError("connection ended after \(answers.count) answers") }
                buffer += chunk[..<n]
            }
            let end = Array("\r\n\r\n".utf8)
            for isHead in heads {
                var headEnd: Int?
                while headEnd == nil {
                    headEnd = buffer.indices.dropLast(3).first { buffer[$0..<$0 + 4].elementsEqual(end) }
                    if headEnd == nil { try fill() }
                }
                let lines = String(decoding: buffer[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let status = Int(lines[0].split(separator: " ")[1]) ?? 0
                buffer.removeFirst(headEnd! + 4)
                let length = isHead ? 0 : Int(headers["content-length"] ?? "0") ?? 0
                while buffer.count < length { try fill() }
                answers.append(Answer(status: status, headers: headers, body: Array(buffer[..<length])))
                buffer.removeFirst(length)
            }
            return answers
        }
    }

    struct RawError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
