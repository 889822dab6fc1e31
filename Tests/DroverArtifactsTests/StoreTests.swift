@testable import DroverArtifacts
import Foundation
import Testing

@Suite("Content-addressed artifact store")
struct StoreTests {
    @Test func putBytesStoresAReadOnlyFileUnderItsDigest() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(dataDirectory: dir.path)
        let ref = try store.put(bytes: Array("abc".utf8))
        #expect(ref.description == abcDigest + ":3")
        let path = store.path(of: ref.digest)
        #expect(path == dir.path + "/artifacts/sha256/ba/" + ref.digest.hex)
        #expect(store.contains(ref.digest))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o444)
        #expect(try store.read(ref.digest) == Array("abc".utf8))
        #expect(files(in: store.root + "/tmp").isEmpty)
    }

    @Test func putFileMatchesAnIndependentHashAndServesRanges() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let bytes = randomBytes(3 << 20 + 17)
        let source = try dir.file("input.bin", bytes: bytes)
        let store = try ArtifactStore(root: dir.path + "/store")
        let ref = try store.put(fileAt: source)
        #expect(ref == (try FileHashing.digest(ofFileAt: source)))
        #expect(ref.digest == ArtifactDigest.of(bytes))
        #expect(ref.size == Int64(bytes.count))
        #expect(try store.read(ref.digest, range: 1_000_000..<1_000_100) == Array(bytes[1_000_000..<1_000_100]))
        #expect(try store.read(ref.digest, range: ref.size - 5..<ref.size) == Array(bytes.suffix(5)))
        #expect(throws: ArtifactError.rangeOutOfBounds(ref.digest, lower: 10, upper: ref.size + 1, size: ref.size)) {
            try store.read(ref.digest, range: 10..<ref.size + 1)
        }
        try store.verify(ref.digest)
        #expect(store.list() == [ref])
    }

    @Test func addingTheSameBytesAgainChangesNothing() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        let first = try store.put(bytes: randomBytes(1000))
        let before = try FileManager.default.attributesOfItem(atPath: store.path(of: first.digest))
        let second = try store.put(bytes: randomBytes(1000))
        let after = try FileManager.default.attributesOfItem(atPath: store.path(of: first.digest))
        #expect(first == second)
        #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int) // same inode: not replaced
        #expect(files(in: store.root + "/tmp").isEmpty)
    }

    @Test func expectedDigestMismatchStoresNothing() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        let expected = try ArtifactDigest(parsing: abcDigest)
        let bytes = Array("abd".utf8)
        #expect(throws: ArtifactError.digestMismatch(expected: expected, actual: .of(bytes), source: "3 bytes")) {
            try store.put(bytes: bytes, expected: expected)
        }
        #expect(!store.contains(expected))
        #expect(!store.contains(.of(bytes)))
        #expect(store.list().isEmpty)
        #expect(files(in: store.root + "/tmp").isEmpty)
    }

    @Test func bytesHashedOnAnotherThreadWhileWrittenGiveTheSameArtifact() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        let bytes = randomBytes(6 << 20 + 5)
        let chunks = stride(from: 0, to: bytes.count, by: 1 << 20).map { Array(bytes[$0..<min($0 + (1 << 20), bytes.count)]) }
        let writer = try store.writer(source: "download from test")
        // Another thread runs through the chunks' hashing while this one writes them.
        let shared = SharedWriter(writer)
        let done = DispatchSemaphore(value: 0)
        Thread {
            for chunk in chunks { chunk.withUnsafeBytes { shared.writer.hashAlongside($0) } }
            done.signal()
        }.start()
        for chunk in chunks { try chunk.withUnsafeBytes { try writer.writeUnhashed($0) } }
        done.wait()
        let ref = try writer.finish(expectedDigest: ArtifactDigest.of(bytes), expectedSize: Int64(bytes.count))
        #expect(try store.read(ref.digest) == bytes)

        // Bytes written but hashed differently are refused: the digest comes from the hashing side.
        let wrong = try store.writer(source: "download from test")
        try chunks[0].withUnsafeBytes { try wrong.writeUnhashed($0) }
        chunks[1].withUnsafeBytes { wrong.hashAlongside($0) }
        #expect(throws: ArtifactError.self) { try wrong.finish(expectedDigest: ArtifactDigest.of(chunks[0])) }
        #expect(files(in: store.root + "/tmp").isEmpty)
    }

    @Test func writerEnforcesItsLimitAndExpectedSize() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        let writer = try store.writer(source: "upload from test", limit: 10)
        try writer.write(randomBytes(8))
        #expect(throws: ArtifactError.tooLarge(size: 16, limit: 10, what: "upload from test")) {
            try writer.write(randomBytes(8))
        }
        #expect(files(in: store.root + "/tmp").isEmpty)

        let short = try store.writer(source: "download")
        try short.write(randomBytes(5))
        #expect {
            try short.finish(expectedSize: 6)
        } throws: { error in
            "\(error)".contains("expected 6 bytes, got 5")
        }
        #expect(store.list().isEmpty)
        #expect(files(in: store.root + "/tmp").isEmpty)
    }

    @Test func verifyDetectsACorruptedFile() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        let ref = try store.put(bytes: randomBytes(4096))
        let path = store.path(of: ref.digest)
        chmod(path, 0o644)
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[100] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            try store.verify(ref.digest)
        } throws: { error in
            guard case .corrupt(let d, let actual, _) = error as? ArtifactError else { return false }
            return d == ref.digest && actual == .of(bytes) && "\(error)".contains("is corrupt")
        }
    }

    @Test func unknownDigestIsNotFound() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let store = try ArtifactStore(root: dir.path)
        let d = try ArtifactDigest(parsing: abcDigest)
        #expect(throws: ArtifactError.notFound(d, where: "the artifact store \(dir.path)")) { try store.read(d) }
        #expect(throws: ArtifactError.self) { try store.verify(d) }
        #expect(throws: ArtifactError.self) { try store.put(fileAt: dir.path + "/missing.csv") }
    }

    @Test func localAccessUploadsAndReads() async throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let access = LocalArtifacts(store: try ArtifactStore(root: dir.path))
        let bytes = randomBytes(10_000)
        let ref = try await access.upload(bytes: bytes)
        #expect(ref.digest == .of(bytes))
        #expect(try await access.read(ref, range: 10..<20) == Array(bytes[10..<20]))
        let path = try await access.localPath(ref)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        await #expect(throws: ArtifactError.self) {
            try await access.localPath(ArtifactRef(digest: ref.digest, size: ref.size + 1))
        }
        await #expect(throws: ArtifactError.self) { try await UnavailableArtifacts().localPath(ref) }
    }
}

/// Hands a writer to the hashing thread of a test (the writer allows hashing beside writing).
final class SharedWriter: @unchecked Sendable {
    let writer: ArtifactWriter
    init(_ writer: ArtifactWriter) { self.writer = writer }
}
