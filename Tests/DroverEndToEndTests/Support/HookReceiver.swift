import Foundation
import NativeThreads
import Synchronization

/// A tiny HTTP server on an ephemeral loopback port, for webhook tests: it records each request
/// (headers and body) and answers with the next status of `statuses` (the last one repeats).
final class HookReceiver: Sendable {
    struct Received: Sendable {
        var headers: [String: String]
        var body: Data
    }

    let port: Int
    private let fd: Int32
    private let state: Mutex<(received: [Received], answered: Int)>
    private let statuses: [Int]

    init(statuses: [Int]) throws {
        self.statuses = statuses
        state = Mutex(([], 0))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { close(fd); throw TestFailure("cannot listen for webhooks") }
        port = Int(UInt16(bigEndian: addr.sin_port))
        try NativeThread.start { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                serve(client)
            }
        }.detach()
    }

    deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    var received: [Received] { state.withLock { $0.received } }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headers: [String: String] = [:]
        var bodyStart: Int?
        while true {
            let n = recv(client, &chunk, chunk.count, 0)
            if n <= 0 { return }
            data.append(contentsOf: chunk[0..<n])
            if bodyStart == nil, let split = data.range(of: Data("\r\n\r\n".utf8)) {
                bodyStart = split.upperBound
                for line in String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n").dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            if let start = bodyStart, data.count - start >= Int(headers["content-length"] ?? "0") ?? 0 { break }
        }
        let status = state.withLock { s -> Int in
            s.received.append(Received(headers: headers, body: Data(data[bodyStart!...])))
            defer { s.answered += 1 }
            return statuses[min(s.answered, statuses.count - 1)]
        }
        let reply = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = reply.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }
}
