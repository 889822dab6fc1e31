import Glibc
import Synchronization

/// A worker's local copy of artifacts, bounded in bytes, least recently used evicted first.
/// Entries are stored exactly like the coordinator's store (`<dir>/sha256/<2>/<64>`) and only
/// after their digest and size were checked on arrival, so a hit needs no transfer and no check.
///
/// Blocking file I/O in `init`, `reserve` and eviction: call from a thread of its own.
public final class ArtifactCache: Sendable {
    public let store: ArtifactStore
    public let maxBytes: Int64
    private let state: Mutex<State>

    struct State {
        var entries: [ArtifactDigest: Entry] = [:]
        /// Bytes of entries plus bytes reserved for downloads in flight.
        var usedBytes: Int64 = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    struct Entry {
        var size: Int64
        var lastUse: UInt64
    }

    /// Opens the cache in `directory` (created if needed), keeping what an earlier run left in
    /// it (oldest first in the eviction order) as long as it fits in `maxBytes`.
    public init(directory: String, maxBytes: Int64) throws(ArtifactError) {
        let store = try ArtifactStore(root: directory, durable: false)
        self.store = store
        self.maxBytes = maxBytes
        var state = State()
        let found = store.list().map { ref in
            var st = stat()
            _ = stat(store.path(of: ref.digest), &st)
            return (ref, st.st_mtim.tv_sec)
        }.sorted { $0.1 < $1.1 }
        for (ref, _) in found {
            state.clock += 1
            state.entries[ref.digest] = Entry(size: ref.size, lastUse: state.clock)
            state.usedBytes += ref.size
        }
        self.state = Mutex(state)
        try evict(toFit: 0)
    }

    public struct Statistics: Sendable, Equatable {
        public var entries: Int
        public var usedBytes: Int64
        public var hits: Int
        public var misses: Int
    }

    public var statistics: Statistics {
        state.withLock { Statistics(entries: $0.entries.count, usedBytes: $0.usedBytes, hits: $0.hits, misses: $0.misses) }
    }

    /// The local path of `ref` if it is cached (counts a hit and marks it recently used), else
    /// nil (counts a miss). Checks the file is still there (another worker process sharing the
    /// directory may have evicted it): a `stat`, so call it off the cooperative pool.
    public func lookup(_ ref: ArtifactRef) -> String? {
        let path = store.path(of: ref.digest)
        let present = FileOps.size(path) == ref.size
        let hit = state.withLock { s -> Bool in
            s.clock += 1
            guard present, s.entries[ref.digest]?.size == ref.size else {
                if !present, let gone = s.entries.removeValue(forKey: ref.digest) { s.usedBytes -= gone.size }
                s.misses += 1
                return false
            }
            s.entries[ref.digest]?.lastUse = s.clock
            s.hits += 1
            return true
        }
        return hit ? path : nil
    }

    /// Makes room for `ref` (evicting least recently used entries) and returns a writer for
    /// it; call `admit` after the writer finished, `release` if it failed.
    public func reserve(_ ref: ArtifactRef, source: String) throws(ArtifactError) -> ArtifactWriter {
        guard ref.size <= maxBytes else {
            throw .tooLarge(size: ref.size, limit: maxBytes, what: "artifact \(ref.digest) for the worker's cache (raise --cache-size)")
        }
        try evict(toFit: ref.size)
        state.withLock { $0.usedBytes += ref.size }
        do {
            return try store.writer(source: source, limit: ref.size)
        } catch {
            release(ref)
            throw error
        }
    }

    /// Records a finished download.
    public func admit(_ ref: ArtifactRef) {
        state.withLock { s in
            s.clock += 1
            if s.entries[ref.digest] != nil { s.usedBytes -= ref.size } // a concurrent fetch of the same artifact
            s.entries[ref.digest] = Entry(size: ref.size, lastUse: s.clock)
        }
    }

    /// Gives back the room reserved for a download that failed.
    public func release(_ ref: ArtifactRef) {
        state.withLock { $0.usedBytes -= ref.size }
    }

    /// Evicts least recently used entries until `extra` more bytes fit.
    private func evict(toFit extra: Int64) throws(ArtifactError) {
        let victims = state.withLock { s -> [ArtifactDigest] in
            var victims: [ArtifactDigest] = []
            let order = s.entries.sorted { $0.value.lastUse < $1.value.lastUse }
            var i = 0
            while s.usedBytes + extra > maxBytes, i < order.count {
                s.entries[order[i].key] = nil
                s.usedBytes -= order[i].value.size
                victims.append(order[i].key)
                i += 1
            }
            return victims
        }
        for digest in victims { store.remove(digest) }
        let used = state.withLock { $0.usedBytes }
        if used + extra > maxBytes {
            throw .tooLarge(size: used + extra, limit: maxBytes,
                            what: "downloads in flight for the worker's cache (raise --cache-size)")
        }
    }
}
