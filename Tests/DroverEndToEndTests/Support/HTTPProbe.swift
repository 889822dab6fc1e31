import Foundation
import Glibc

/// A minimal HTTP/1.1 client over a plain blocking socket, so end-to-end tests talk real HTTP to
/// the real server: one request per connection (`Connection: close`), or a stream read for a while.
struct HTTPProbe {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
        /// `error.code` of a JSON error body.
        var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    }

    let port: Int
    var token: String?

    func get(_ path: String, headers: [String: String] = [:]) throws -> Reply {
        try request("GET", path, headers: headers)
    }

    func post(_ path: String, json: String, headers: [String: String] = [:]) throws -> Reply {
        try request("POST", path, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: Data(json.utf8))
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data()) throws -> Reply {
        let fd = try connect(timeoutSeconds: 20)
        defer { close(fd) }
        try send(fd, head(method, path, headers: headers, length: body.count) + body)
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return try parse(data)
    }

    /// An open event stream: read from it as long as needed.
    final class Stream {
        let fd: Int32
        private(set) var text = ""
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }

        /// Writes `text` as it is (raw HTTP).
        func send(_ text: String) throws {
            let bytes = Array(text.utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes[done...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw TestFailure("send failed: errno \(errno)") }
                done += n
            }
        }

        /// Whether the server closed the connection (a read returned end of file).
        private(set) var closed = false

        /// Reads for up to `seconds` or until `enough` holds for everything read so far.
        @discardableResult
        func read(seconds: Double, until enough: (String) -> Bool) -> String {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline, !enough(text) {
                let n = recv(fd, &chunk, chunk.count, 0)
                if n == 0 { closed = true; break }
                if n > 0 { text += String(decoding: chunk[0..<n], as: UTF8.self) }
            }
            return text
        }
    }

    /// A connection with nothing sent yet, for raw HTTP (`Stream.send`).
    func connection() throws -> Stream {
        Stream(fd: try connect(timeoutSeconds: 0.2))
    }

    /// Opens `path` as an event stream (reads time out every 0.2 s so `read` can check its deadline).
    func open(_ path: String, headers: [String: String] = [:]) throws -> Stream {
        let fd = try connect(timeoutSeconds: 0.2)
        do { try send(fd, head("GET", path, headers: headers, length: 0)) } catch { close(fd); throw error }
        return Stream(fd: fd)
    }

    /// Opens an event stream and reads it for up to `seconds` or until `enough` holds.
    func stream(_ path: String, headers: [String: String] = [:], seconds: Double, until enough: (String) -> Bool) throws -> String {
        try open(path, headers: headers).read(seconds: seconds, until: enough)
    }

    private func head(_ method: String, _ path: String, headers: [String: String], length: Int) -> Data {
        var all = ["Host": "127.0.0.1:\(port)", "Connection": "close", "Content-Length": String(length)]
        if let token { all["Authorization"] = "Bearer \(token)" }
        all.merge(headers) { _, new in new }
        let lines = ["\(method) \(path) HTTP/1.1"] + all.map { "\($0.key): \($0.value)" }
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    private func connect(timeoutSeconds: Double) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var tv = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - Double(Int(timeoutSeconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw TestFailure("cannot connect to 127.0.0.1:\(port)") }
        return fd
    }

    private func send(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Foundation.send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw TestFailure("send failed") }
                off += n
            }
        }
    }

    private func parse(_ data: Data) throws -> Reply {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { throw TestFailure("no HTTP head in \(data.count) bytes") }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ")[1]) else { throw TestFailure("bad status line") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(data[split.upperBound...])
        if headers["transfer-encoding"]?.contains("chunked") == true { body = Self.dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data(), rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) ?? 0
            if size == 0 { break }
            let start = lineEnd.upperBound
            out.append(rest[start..<min(rest.endIndex, start + size)])
            rest = rest[min(rest.endIndex, start + size + 2)...]
        }
        return out
    }

    /// Waits (bounded) until the server answers at all.
    func waitUntilUp(seconds: Double = 30) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if (try? get("/metrics")) != nil { return }
            usleep(50_000)
        }
        throw TestFailure("no HTTP server on 127.0.0.1:\(port)")
    }
}
