import DroverArtifacts
import Foundation
import NativeThreads
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import _NIOFileSystem

/// Talks to an artifact server: downloads whole artifacts into a cache (digest and size
/// checked on arrival), fetches byte ranges, uploads files. Blocking file work runs on NIO's
/// thread pool, never on the cooperative pool.
public final class ArtifactClient: Sendable {
    public let server: ArtifactAddress
    let pool = NIOThreadPool.singleton
    private let received = Atomic<Int64>(0)
    /// Bytes handed to the thread pool per write: large enough that hops cost nothing.
    static let batch = 1 << 20

    public init(server: ArtifactAddress) {
        self.server = server
    }

    /// Artifact bytes received from the server so far (bodies only): a cache hit adds nothing.
    public var receivedBytes: Int64 { received.load(ordering: .relaxed) }

    func exchange(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:]) -> HTTPExchange {
        HTTPExchange(host: server.host, port: server.port, method: method, uri: uri, headers: headers)
    }

    /// The server's size for `digest` (HEAD), or `notFound`.
    public func head(_ digest: ArtifactDigest) async throws -> ArtifactRef {
        let answer = try await exchange(.HEAD, "/artifacts/\(digest)").perform()
        guard answer.status == .ok else { throw error(answer, digest: digest) }
        guard let size = answer.head.headers.first(name: "content-length").flatMap({ Int64($0) }) else {
            throw ArtifactError.rejected(server: server.url, status: Int(answer.status.code), message: "no Content-Length for \(digest)")
        }
        return ArtifactRef(digest: digest, size: size)
    }

    /// Downloads `ref` into `cache` and returns its local path. Nothing enters the cache unless
    /// every byte arrived and the digest and size match. On Linux the body goes from the socket
    /// into the file with splice(2) (`SpliceDownload`), elsewhere through SwiftNIO.
    public func download(_ ref: ArtifactRef, into cache: ArtifactCache) async throws -> String {
        #if os(Linux)
        let source = "download of \(ref.digest) from \(server.url)"
        let transfer = SpliceDownload(host: server.host, port: server.port, uri: "/artifacts/\(ref.digest)", limit: ref.size,
                                      received: { n in self.received.add(Int64(n), ordering: .relaxed) })
        return try await runOffPool {
            let writer = try cache.reserve(ref, source: source)
            do {
                try transfer.run(into: writer)
                let got = try writer.finish(expectedDigest: ref.digest, expectedSize: ref.size)
                cache.admit(got)
                return cache.store.path(of: ref.digest)
            } catch {
                writer.abort()
                cache.release(ref)
                switch error {
                case let refusal as SpliceDownload.Refusal:
                    throw self.error(status: refusal.status, text: refusal.text, digest: ref.digest)
                case ArtifactError.tooLarge:
                    throw ArtifactError.sizeMismatch(ref.digest, expected: ref.size, actual: ref.size + 1,
                                                     source: source + " (more bytes than announced)")
                default:
                    throw error
                }
            }
        }
        #else
        return try await downloadThroughNIO(ref, into: cache)
        #endif
    }

    func downloadThroughNIO(_ ref: ArtifactRef, into cache: ArtifactCache) async throws -> String {
        let source = "download of \(ref.digest) from \(server.url)"
        let box = try await pool.runIfActive { WriterBox(try cache.reserve(ref, source: source)) }
        var stages = DownloadStages(box: box, pool: pool)
        do {
            var pending: [ByteBuffer] = [], pendingBytes = 0
            let answer = try await exchange(.GET, "/artifacts/\(ref.digest)").perform(receive: { chunk in
                self.received.add(Int64(chunk.readableBytes), ordering: .relaxed)
                pending.append(chunk)
                pendingBytes += chunk.readableBytes
                if pendingBytes >= Self.batch {
                    try await stages.add(pending)
                    pending = []
                    pendingBytes = 0
                }
            })
            guard answer.status == .ok else { throw error(answer, digest: ref.digest) }
            try await stages.add(pending)
            try await stages.drain()
            let got = try await pool.runIfActive { try box.writer.finish(expectedDigest: ref.digest, expectedSize: ref.size) }
            cache.admit(got)
            return cache.store.path(of: ref.digest)
        } catch {
            await stages.settle()
            box.writer.abort()
            cache.release(ref)
            if case ArtifactError.tooLarge = error {
                throw ArtifactError.sizeMismatch(ref.digest, expected: ref.size, actual: ref.size + 1, source: source + " (more bytes than announced)")
            }
            throw error
        }
    }

    /// Bytes `range` of `ref` straight from the server (a 206 answer of exactly that length).
    public func fetch(_ ref: ArtifactRef, range: Range<Int64>) async throws -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= ref.size else {
            throw ArtifactError.rangeOutOfBounds(ref.digest, lower: range.lowerBound, upper: range.upperBound, size: ref.size)
        }
        if range.isEmpty { return [] }
        var body = ByteBuffer()
        let limit = range.count
        let answer = try await exchange(.GET, "/artifacts/\(ref.digest)", headers: ["Range": ByteRangeRequest.header(for: range)])
            .perform(receive: { chunk in
                self.received.add(Int64(chunk.readableBytes), ordering: .relaxed)
                guard body.readableBytes + chunk.readableBytes <= limit else {
                    throw ArtifactError.sizeMismatch(ref.digest, expected: Int64(limit), actual: Int64(body.readableBytes + chunk.readableBytes),
                                                     source: "range \(range) of \(ref.digest) from \(self.server.url)")
                }
                var chunk = chunk
                body.writeBuffer(&chunk)
            })
        guard answer.status == .partialContent else { throw error(answer, digest: ref.digest) }
        guard body.readableBytes == limit else {
            throw ArtifactError.sizeMismatch(ref.digest, expected: Int64(limit), actual: Int64(body.readableBytes),
                                             source: "range \(range) of \(ref.digest) from \(server.url)")
        }
        return Array(buffer: body)
    }

    /// Uploads the file at `path`; the server computes the digest and, since we send ours,
    /// refuses bytes that changed on the way. A connection that breaks off is tried again, up to
    /// `uploadAttempts` times in all: the store is content-addressed, so sending the same bytes
    /// again is harmless. (Seen once under CI load: of three concurrent uploads, one connection
    /// was closed mid-body; the cause was not found.)
    public func upload(fileAt path: String) async throws -> ArtifactRef {
        let local = try await pool.runIfActive { try FileHashing.digest(ofFileAt: path) }
        var attempt = 1
        while true {
            do {
                return try await upload(fileAt: path, local)
            } catch ArtifactError.unavailable where attempt < Self.uploadAttempts {
                try await Task.sleep(for: .milliseconds(200 * attempt))
                attempt += 1
            }
        }
    }

    static let uploadAttempts = 3

    private func upload(fileAt path: String, _ local: ArtifactRef) async throws -> ArtifactRef {
        let headers: HTTPHeaders = ["Content-Type": "application/octet-stream", "Content-Length": "\(local.size)"]
        var text = ByteBuffer()
        let answer = try await exchange(.PUT, "/artifacts?digest=\(local.digest)", headers: headers).perform(send: { outbound in
            try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                for try await chunk in handle.readChunks(chunkLength: .bytes(Int64(Self.batch))) {
                    try await outbound.write(.body(.byteBuffer(chunk)))
                }
            }
        }, receive: { chunk in
            var chunk = chunk
            text.writeBuffer(&chunk)
        })
        guard answer.status == .created else { throw error(answer, digest: local.digest) }
        guard String(buffer: text).contains("\"\(local.digest)\"") else {
            throw ArtifactError.rejected(server: server.url, status: Int(answer.status.code),
                                         message: "stored something other than \(local.digest): \(String(buffer: text))")
        }
        return local
    }

    func error(_ answer: HTTPExchange.Answer, digest: ArtifactDigest) -> ArtifactError {
        error(status: Int(answer.status.code), text: answer.errorText, digest: digest)
    }

    func error(status: Int, text: String, digest: ArtifactDigest) -> ArtifactError {
        if status == 404 { return .notFound(digest, where: "the artifact server \(server.url)") }
        let message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return .rejected(server: server.url, status: status, message: message.isEmpty ? "\(HTTPResponseStatus(statusCode: status))" : message)
    }
}
