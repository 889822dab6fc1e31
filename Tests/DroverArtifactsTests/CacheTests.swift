import DroverArtifacts
import Foundation
import Testing

@Suite("Worker artifact cache")
struct CacheTests {
    /// Stores `bytes` in the cache the way a download does.
    func fetch(_ bytes: [UInt8], into cache: ArtifactCache) throws -> ArtifactRef {
        let ref = ArtifactRef(digest: .of(bytes), size: Int64(bytes.count))
        let writer = try cache.reserve(ref, source: "test download")
        try writer.write(bytes)
        let got = try writer.finish(expectedDigest: ref.digest, expectedSize: ref.size)
        cache.admit(got)
        return got
    }

    @Test func evictsLeastRecentlyUsedBeyondTheBound() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let cache = try ArtifactCache(directory: dir.path, maxBytes: 3_000)
        let a = try fetch(randomBytes(1_000, seed: 1), into: cache)
        let b = try fetch(randomBytes(1_000, seed: 2), into: cache)
        let c = try fetch(randomBytes(1_000, seed: 3), into: cache)
        #expect(cache.lookup(a) != nil) // a is now more recent than b
        let d = try fetch(randomBytes(1_000, seed: 4), into: cache)
        #expect(cache.lookup(b) == nil)
        #expect(!cache.store.contains(b.digest))
        for ref in [a, c, d] { #expect(cache.lookup(ref) != nil) }
        let stats = cache.statistics
        #expect(stats.entries == 3 && stats.usedBytes == 3_000)
        #expect(stats.hits == 4 && stats.misses == 1)
    }

    @Test func refusesAnArtifactLargerThanTheBound() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let cache = try ArtifactCache(directory: dir.path, maxBytes: 100)
        let kept = try fetch(randomBytes(50), into: cache)
        #expect {
            try fetch(randomBytes(101), into: cache)
        } throws: { error in
            "\(error)".contains("exceeds the limit of 100 bytes") && "\(error)".contains("--cache-size")
        }
        #expect(cache.lookup(kept) != nil)
    }

    @Test func aCorruptDownloadIsNotAdmitted() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let cache = try ArtifactCache(directory: dir.path, maxBytes: 10_000)
        let good = randomBytes(500)
        let ref = ArtifactRef(digest: .of(good), size: 500)
        let writer = try cache.reserve(ref, source: "download of \(ref.digest)")
        var bad = good
        bad[7] ^= 1
        try writer.write(bad)
        #expect(throws: ArtifactError.digestMismatch(expected: ref.digest, actual: .of(bad), source: "download of \(ref.digest)")) {
            try writer.finish(expectedDigest: ref.digest, expectedSize: ref.size)
        }
        cache.release(ref)
        #expect(cache.lookup(ref) == nil)
        #expect(cache.statistics.usedBytes == 0)
        #expect(!cache.store.contains(ref.digest) && !cache.store.contains(.of(bad)))
    }

    @Test func reopeningKeepsEntriesWithinTheBound() throws {
        let dir = try ScratchDir()
        defer { dir.cleanup() }
        let refs = try {
            let cache = try ArtifactCache(directory: dir.path, maxBytes: 10_000)
            return try (1...3).map { try fetch(randomBytes(1_000, seed: $0), into: cache) }
        }()
        let reopened = try ArtifactCache(directory: dir.path, maxBytes: 10_000)
        #expect(reopened.statistics.entries == 3)
        for ref in refs { #expect(reopened.lookup(ref) != nil) }
        let smaller = try ArtifactCache(directory: dir.path, maxBytes: 2_000)
        #expect(smaller.statistics.usedBytes <= 2_000)
    }
}
