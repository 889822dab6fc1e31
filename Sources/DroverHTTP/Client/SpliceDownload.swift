#if os(Linux)
import CSplice
import DroverArtifacts
import Foundation
import Glibc
import NativeThreads

/// A whole artifact's download on Linux, blocking, on threads of its own: one GET on a socket
/// of its own, the body moved from the socket through a pipe into the writer's file with
/// splice(2) (never through user space), while a second thread feeds what has landed to the
/// digest, read back through mmap. SwiftNIO reads every byte into a buffer that is then written
/// to the file: a copy per byte more. Measured on `drover bench artifacts` (docs/performance.md,
/// session 28). Nothing enters the cache unless the caller's `finish` accepts digest and size.
struct SpliceDownload: Sendable {
    var host: String
    var port: Int
    var uri: String
    /// Bytes the body may have at most (the announced size: more is an error).
    var limit: Int64
    /// Called with each batch of body bytes received.
    var received: @Sendable (Int) -> Void

    /// A non-2xx answer: its status and (up to 64 KiB of) its text.
    struct Refusal: Error {
        var status: Int
        var text: String
    }

    static let timeoutSeconds = 30
    static let batch = 1 << 20

    /// Downloads into `writer` (not finished: the caller checks and installs it).
    func run(into writer: ArtifactWriter) throws {
        let socket = try connect()
        defer { close(socket) }
        try sendAll(socket, Array("GET \(uri) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8))
        let (status, length, prefix) = try readHead(socket)
        guard status == 200 else { throw Refusal(status: status, text: try readText(socket, prefix: prefix, length: length)) }
        guard let length else { throw broke("the answer has no Content-Length") }
        guard Int64(length) <= limit else {
            throw ArtifactError.tooLarge(size: Int64(length), limit: limit, what: "GET \(uri)")
        }
        try prefix.withUnsafeBytes { try writer.writeUnhashed($0) }
        received(prefix.count)
        try moveBody(socket, remaining: length - prefix.count, into: writer)
    }

    /// splice socket → pipe → file, batch by batch; the digest thread follows the bytes written.
    private func moveBody(_ socket: Int32, remaining: Int, into writer: ArtifactWriter) throws {
        var fds: [Int32] = [0, 0]
        guard pipe2(&fds, O_CLOEXEC) == 0 else { throw broke("pipe2 failed: \(String(cString: strerror(errno)))") }
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[1], DROVER_F_SETPIPE_SZ, Int32(Self.batch))
        let digest = DigestFollower(writer: writer)
        let hashing = try NativeThread.start { digest.run() }
        var failure: (any Error)?
        do {
            var written = writer.written
            digest.advance(to: written)
            var left = remaining
            while left > 0 {
                let n = splice(socket, nil, fds[1], nil, min(Self.batch, left), UInt32(DROVER_SPLICE_F_MOVE | DROVER_SPLICE_F_MORE))
                if n < 0, errno == EINTR { continue }
                if n < 0 { throw broke("receiving the body failed: \(String(cString: strerror(errno)))") }
                if n == 0 { break }  // the server closed early: `finish` reports the size
                try writer.appendFromPipe(fds[0], count: n)
                left -= n
                written += Int64(n)
                received(n)
                digest.advance(to: written)
            }
        } catch {
            failure = error
        }
        digest.finish()
        hashing.join()
        if let failure { throw failure }
        if let error = digest.error { throw error }
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw ArtifactError.unavailable("cannot reach the artifact server http://\(host):\(port): cannot resolve \(host); check --artifacts")
        }
        defer { freeaddrinfo(list) }
        var failure = ""
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let a = next {
            next = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var timeout = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            failure = String(cString: strerror(errno))
            close(fd)
        }
        throw ArtifactError.unavailable("cannot reach the artifact server http://\(host):\(port): \(failure); check --artifacts and that the coordinator serves artifacts")
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw broke("sending the request failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// The status, Content-Length (nil if absent) and the body bytes read along with the head.
    private func readHead(_ fd: Int32) throws -> (Int, Int?, [UInt8]) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        let end = Array("\r\n\r\n".utf8)
        while true {
            if let at = buffer.indices.dropLast(3).first(where: { buffer[$0..<$0 + 4].elementsEqual(end) }) {
                let lines = String(decoding: buffer[..<at], as: UTF8.self).components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
                    throw broke("the answer does not start with an HTTP/1.x status line")
                }
                var length: Int?
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "content-length" else { continue }
                    guard let n = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)), n >= 0 else {
                        throw broke("the answer's Content-Length is not a number")
                    }
                    length = n
                }
                return (status, length, Array(buffer[(at + 4)...]))
            }
            guard buffer.count < 64 << 10 else { throw broke("the answer's head is over 64 KiB") }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw broke(n == 0 ? "the server closed the connection before the answer's head" : "receiving failed: \(String(cString: strerror(errno)))") }
            buffer += chunk[..<n]
        }
    }

    /// Up to 64 KiB of a refusal's body, as text.
    private func readText(_ fd: Int32, prefix: [UInt8], length: Int?) throws -> String {
        var body = prefix
        let want = min(length ?? (64 << 10), 64 << 10)
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while body.count < want {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            body += chunk[..<n]
        }
        return String(decoding: body.prefix(want), as: UTF8.self)
    }

    private func broke(_ why: String) -> ArtifactError {
        .unavailable("GET http://\(host):\(port)\(uri) broke off: \(why)")
    }
}

/// The digest side of a splice download: feeds the writer's file to its digest as the bytes
/// land (`advance`), until `finish`; the first error is kept for the downloading thread.
/// `@unchecked Sendable`: the writer is used here only for hashing, which `ArtifactWriter`
/// allows beside the appends on another thread; the rest is read and written under `wake`.
private final class DigestFollower: @unchecked Sendable {
    private let writer: ArtifactWriter
    private let wake = NSCondition()
    private var written: Int64 = 0
    private var finished = false
    private var failure: ArtifactError?

    init(writer: ArtifactWriter) { self.writer = writer }

    var error: ArtifactError? { locked { failure } }

    func advance(to bytes: Int64) {
        locked { written = bytes }
        wake.signal()
    }

    func finish() {
        locked { finished = true }
        wake.signal()
    }

    /// Hashes in steps of at least 4 MiB (fewer mappings), the rest once finished.
    func run() {
        var hashed: Int64 = 0
        while true {
            wake.lock()
            while written - hashed < 4 << 20, !finished { wake.wait() }
            let (upTo, done) = (written, finished)
            wake.unlock()
            if upTo > hashed {
                do {
                    try writer.hashWritten(through: upTo)
                } catch {
                    locked { failure = failure ?? error }
                    return
                }
                hashed = upTo
            }
            if done, hashed == upTo { return }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        wake.lock()
        defer { wake.unlock() }
        return body()
    }
}
#endif
