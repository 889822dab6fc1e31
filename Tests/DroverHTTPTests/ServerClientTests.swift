import DroverArtifacts
@testable import DroverHTTP
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The artifact server and client over real HTTP on loopback.
@Suite("Artifact server and client on loopback")
struct ServerClientTests {
    @Test func downloadChecksTheDigestAndASecondLookupIsAHitWithoutTransfer() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let bytes = randomBytes(5 << 20 + 3)
        let ref = try store.put(bytes: bytes)
        try await withServer(store: store) { address in
            let client = ArtifactClient(server: address)
            let access = RemoteArtifacts(client: client, cache: try ArtifactCache(directory: dir.path + "/cache", maxBytes: 64 << 20))
            #expect(try await client.head(ref.digest) == ref)
            let path = try await access.localPath(ref)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
            #expect(path.hasPrefix(dir.path + "/cache/sha256/"))
            #expect(client.receivedBytes == ref.size)
            let again = try await access.localPath(ref)
            #expect(again == path)
            #expect(client.receivedBytes == ref.size) // the hit cost no transfer
            #expect(access.cache.statistics.hits == 1)
            #expect(try await access.read(ref, range: 7..<70_007) == Array(bytes[7..<70_007]))
            #expect(client.receivedBytes == ref.size) // served from the cache too
        }
    }

    /// A 3 MiB artifact on a real server and a worker's access with a cache of `cacheBytes`.
    func withThreeMiB(cacheBytes: Int64,
                      _ body: @Sendable ([UInt8], ArtifactRef, ArtifactClient, RemoteArtifacts) async throws -> Void) async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let bytes = randomBytes(3 << 20)
        let ref = try store.put(bytes: bytes)
        try await withServer(store: store) { address in
            let client = ArtifactClient(server: address)
            let access = RemoteArtifacts(client: client, cache: try ArtifactCache(directory: dir.path + "/cache", maxBytes: cacheBytes))
            try await body(bytes, ref, client, access)
        }
    }

    @Test func aRangeOfAnArtifactThatFitsTheCacheIsReadFromTheCheckedWholeCopy() async throws {
        try await withThreeMiB(cacheBytes: 64 << 20) { bytes, ref, client, access in
            let first = try await access.read(ref, range: 1_000_000..<1_250_000)
            let second = try await access.read(ref, range: 2_000_000..<2_000_100)
            #expect(first == Array(bytes[1_000_000..<1_250_000]))
            #expect(second == Array(bytes[2_000_000..<2_000_100]))
            #expect(client.receivedBytes == ref.size) // one whole, digest-checked download for both ranges
            #expect(access.cache.lookup(ref) != nil)
        }
    }

    @Test func rangesOfAnArtifactLargerThanTheCacheComeStraightFromTheServer() async throws {
        try await withThreeMiB(cacheBytes: 1 << 20) { bytes, ref, client, access in
            let slice = try await access.read(ref, range: 1_000_000..<1_250_000)
            #expect(slice == Array(bytes[1_000_000..<1_250_000]))
            #expect(client.receivedBytes == 250_000) // only the range crossed the wire
            let last = try await client.fetch(ref, range: ref.size - 1..<ref.size)
            #expect(last == [bytes.last!])
            await #expect(throws: ArtifactError.self) { try await client.fetch(ref, range: 0..<ref.size + 1) }
        }
    }

    @Test func unknownDigestIsNotFoundAndMalformedOneIsABadRequest() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        try await withServer(store: store) { address in
            let client = ArtifactClient(server: address)
            let missing = ArtifactRef(digest: .of([1, 2, 3]), size: 3)
            await #expect(throws: ArtifactError.notFound(missing.digest, where: "the artifact server \(address.url)")) {
                try await client.head(missing.digest)
            }
            let cache = try ArtifactCache(directory: dir.path + "/cache", maxBytes: 1 << 20)
            await #expect(throws: ArtifactError.notFound(missing.digest, where: "the artifact server \(address.url)")) {
                try await client.download(missing, into: cache)
            }
            #expect(cache.statistics.usedBytes == 0)
            let response = try await client.exchange(.GET, "/artifacts/sha256:xyz").perform()
            #expect(response.status == .badRequest)
            let text = response.errorText
            #expect(text.contains("is not an artifact digest"))
        }
    }

    @Test func aCorruptOrTruncatedServerCopyNeverEntersTheCache() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let corrupt = try store.put(bytes: randomBytes(2 << 20, seed: 1))
        let truncated = try store.put(bytes: randomBytes(2 << 20, seed: 2))
        try damage(store.path(of: corrupt.digest)) { $0[12_345] ^= 0x40 }
        try damage(store.path(of: truncated.digest)) { $0.removeLast(1000) }
        try await withServer(store: store) { address in
            let client = ArtifactClient(server: address)
            let cache = try ArtifactCache(directory: dir.path + "/cache", maxBytes: 64 << 20)
            await #expect {
                try await client.download(corrupt, into: cache)
            } throws: { error in
                guard case .digestMismatch(let expected, _, let source) = error as? ArtifactError else { return false }
                return expected == corrupt.digest && source.contains("download of \(corrupt.digest) from \(address.url)")
            }
            await #expect {
                try await client.download(truncated, into: cache)
            } throws: { error in
                guard case .sizeMismatch(_, let expected, let actual, _) = error as? ArtifactError else { return false }
                return expected == truncated.size && actual == truncated.size - 1000
            }
            #expect(cache.statistics.entries == 0 && cache.statistics.usedBytes == 0 && cache.statistics.hits == 0)
            #expect(cache.store.list().isEmpty)
        }
    }

    @Test func aDownloadLongerThanTheBatchesInFlightIsCheckedToItsLastByte() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let bytes = randomBytes(21 << 20 + 11, seed: 3) // more than the 8 batches of 1 MiB written and hashed at a time
        let good = try store.put(bytes: bytes)
        var late = bytes
        late[late.count - 7] ^= 0x01
        let damaged = try store.put(bytes: late)
        try damage(store.path(of: damaged.digest)) { $0[$0.count - 7] ^= 0x01 } // now holds `bytes`, not its digest's bytes
        try await withServer(store: store) { address in
            let client = ArtifactClient(server: address)
            let cache = try ArtifactCache(directory: dir.path + "/cache", maxBytes: 64 << 20)
            let path = try await client.download(good, into: cache)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
            await #expect {
                try await client.download(damaged, into: cache)
            } throws: { error in
                guard case .digestMismatch(let expected, let actual, _) = error as? ArtifactError else { return false }
                return expected == damaged.digest && actual == good.digest
            }
            #expect(cache.statistics.entries == 1 && cache.statistics.usedBytes == good.size)
            #expect(cache.store.list() == [good])
        }
    }

    @Test func aBodyLongerThanAnnouncedIsRefusedAndNothingEntersTheCache() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let ref = try store.put(bytes: randomBytes(3 << 20, seed: 9))
        try await withServer(store: store) { address in
            let client = ArtifactClient(server: address)
            let cache = try ArtifactCache(directory: dir.path + "/cache", maxBytes: 64 << 20)
            let short = ArtifactRef(digest: ref.digest, size: ref.size - 10)  // what a stale record would say
            await #expect {
                try await client.download(short, into: cache)
            } throws: { error in
                guard case .sizeMismatch(let digest, let expected, _, let source) = error as? ArtifactError else { return false }
                return digest == ref.digest && expected == short.size && source.contains("more bytes than announced")
            }
            #expect(client.receivedBytes < ref.size)  // refused once the answer's length is known
            #expect(cache.statistics.usedBytes == 0 && cache.store.list().isEmpty)
        }
    }

    @Test func uploadsAreStoredUnderTheirDigest() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let bytes = randomBytes(3 << 20 + 11)
        let file = try dir.file("model.bin", bytes: bytes)
        try await withServer(store: store) { address in
            let access = RemoteArtifacts(client: ArtifactClient(server: address),
                                         cache: try ArtifactCache(directory: dir.path + "/cache", maxBytes: 1 << 20))
            let ref = try await access.upload(fileAt: file)
            #expect(ref == ArtifactRef(digest: .of(bytes), size: Int64(bytes.count)))
            try store.verify(ref.digest)
            #expect(try await access.upload(fileAt: file) == ref) // idempotent
            #expect(store.list() == [ref])
        }
    }

    @Test func uploadsWithAWrongDigestOrTooManyBytesStoreNothing() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path + "/server")
        let kept = try store.put(bytes: randomBytes(100))
        try await withServer(store: store, maxUploadBytes: 1 << 20) { address in
            let client = ArtifactClient(server: address)
            let small = ByteBuffer(bytes: randomBytes(1000))
            let mismatch = try await client.exchange(.PUT, "/artifacts?digest=\(ArtifactDigest.of([0]))", headers: ["Content-Length": "1000"])
                .perform(send: { try await $0.write(.body(.byteBuffer(small))) })
            #expect(mismatch.status.code == 422)
            #expect(mismatch.errorText.contains("digest mismatch for upload"), "\(mismatch.errorText)")

            // Announced too large: refused before a byte is stored.
            let big = ByteBuffer(bytes: randomBytes(2 << 20))
            let announced = try await client.exchange(.PUT, "/artifacts", headers: ["Content-Length": "\(2 << 20)"])
                .perform(send: { try await $0.write(.body(.byteBuffer(big))) })
            #expect(announced.status == .payloadTooLarge)
            #expect(announced.errorText.contains("exceeds the limit of 1048576 bytes"), "\(announced.errorText)")

            // Not announced (chunked): refused when the limit is crossed.
            let streamed = try await client.exchange(.PUT, "/artifacts", headers: ["Transfer-Encoding": "chunked"])
                .perform(send: { try await $0.write(.body(.byteBuffer(big))) })
            #expect(streamed.status == .payloadTooLarge)
        }
        #expect(store.list() == [kept])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/tmp").isEmpty)
    }

    @Test func anUnreachableServerIsAClearError() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let client = ArtifactClient(server: ArtifactAddress(host: "127.0.0.1", port: 1))
        await #expect {
            try await client.head(.of([1]))
        } throws: { error in
            "\(error)".contains("cannot reach the artifact server http://127.0.0.1:1")
        }
    }
}
