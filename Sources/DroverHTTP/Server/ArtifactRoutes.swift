import DroverArtifacts
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The artifact endpoints. Blocking store calls run on NIO's thread pool, never on the event
/// loop or the cooperative pool. Errors are `text/plain` bodies saying what went wrong, with
/// a status the client maps back to an `ArtifactError`.
struct ArtifactRoutes: Sendable {
    let store: ArtifactStore
    let maxUploadBytes: Int64
    let logger: Logger
    let pool = NIOThreadPool.singleton
    /// Upload bytes handed to the thread pool per write: large enough that per-chunk costs vanish.
    static let chunkLength = 1 << 20

    func register(on router: Router<BasicRequestContext>) {
        router.get("/artifacts/:digest") { request, context in
            try await self.serve(request, context: context, body: true)
        }
        router.head("/artifacts/:digest") { request, context in
            try await self.serve(request, context: context, body: false)
        }
        router.put("/artifacts") { request, context in
            try await self.upload(request, context: context)
        }
    }

    func serve(_ request: Request, context: BasicRequestContext, body: Bool) async throws -> Response {
        let ref: ArtifactRef
        do {
            let digest = try ArtifactDigest(parsing: try context.parameters.require("digest"))
            let store = self.store
            ref = try await pool.runIfActive { try store.ref(for: digest) }
        } catch let error as ArtifactError {
            return Self.response(for: error)
        }
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .acceptRanges: "bytes",
            .eTag: "\"\(ref.digest)\"",
            .cacheControl: "public, max-age=31536000, immutable",
        ]
        let range: Range<Int64>
        var status = HTTPResponse.Status.ok
        switch ByteRangeRequest(header: request.headers[.range], size: ref.size) {
        case .whole:
            range = 0..<ref.size
        case .partial(let r):
            range = r
            status = .partialContent
            headers[.contentRange] = "bytes \(r.lowerBound)-\(r.upperBound - 1)/\(ref.size)"
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(ref.size)"
            return Self.text(.rangeNotSatisfiable, "range \(request.headers[.range] ?? "") is outside artifact \(ref.digest) of \(ref.size) bytes", headers: headers)
        }
        headers[.contentLength] = String(range.count)
        guard body, !range.isEmpty else { return Response(status: status, headers: headers) }
        // The bytes go out with sendfile(2): the listener runs `HTTP1FileChannel` (`fileBodies`).
        headers[HTTPFields.Element.Name(FileBody.header)!] = FileBody(path: store.path(of: ref.digest), range: range).headerValue
        return Response(status: status, headers: headers)
    }

    func upload(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let limit = maxUploadBytes
        do {
            let expected = try request.uri.queryParameters["digest"].map { try ArtifactDigest(parsing: String($0)) }
            let length = request.headers[.contentLength].flatMap { Int64($0) }
            if let length, length > limit {
                throw ArtifactError.tooLarge(size: length, limit: limit, what: "upload")
            }
            let store = self.store
            let writer = try await pool.runIfActive { WriterBox(try store.writer(source: "upload", limit: limit)) }
            do {
                var pending: [ByteBuffer] = [], pendingBytes = 0
                for try await chunk in request.body {
                    pending.append(chunk)
                    pendingBytes += chunk.readableBytes
                    if pendingBytes >= Self.chunkLength {
                        try await pool.runIfActive { [pending] in try writer.write(pending) }
                        pending = []
                        pendingBytes = 0
                    }
                }
                try await pool.runIfActive { [pending] in try writer.write(pending) }
                let ref = try await pool.runIfActive { try writer.writer.finish(expectedDigest: expected, expectedSize: length) }
                logger.info("artifacts.stored", metadata: ["artifact.digest": "\(ref.digest)", "artifact.size": "\(ref.size)"])
                let json = "{\"digest\":\"\(ref.digest)\",\"size\":\(ref.size)}"
                return Response(status: .created, headers: [.contentType: "application/json", .location: "/artifacts/\(ref.digest)"],
                                body: .init(byteBuffer: ByteBuffer(string: json)))
            } catch {
                writer.writer.abort()
                throw error
            }
        } catch let error as ArtifactError {
            logger.warning("artifacts.upload.rejected", metadata: ["error": "\(error)"])
            return Self.response(for: error)
        }
    }

    static func response(for error: ArtifactError) -> Response {
        let status: HTTPResponse.Status = switch error {
        case .invalidDigest, .sizeMismatch: .badRequest
        case .notFound: .notFound
        case .digestMismatch: .init(code: 422, reasonPhrase: "Unprocessable Content")
        case .tooLarge: .contentTooLarge
        case .rangeOutOfBounds: .rangeNotSatisfiable
        case .diskFull: .init(code: 507, reasonPhrase: "Insufficient Storage")
        case .corrupt, .io, .unavailable, .rejected: .internalServerError
        }
        return text(status, error.description)
    }

    static func text(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.contentLength] = nil
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
