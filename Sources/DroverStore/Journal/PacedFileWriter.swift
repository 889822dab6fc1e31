#if canImport(Glibc)
import Glibc
#endif

/// Writes a new file through a bounded buffer and pushes each `chunkBytes` to the disk before
/// writing on (`sync_file_range` WAIT_BEFORE|WRITE|WAIT_AFTER; `fdatasync` where glibc lacks it),
/// then fsyncs it once at the end.
///
/// Why: a snapshot written whole and then fsynced put 25–45 MB of writeback in the disk's queue at
/// once, and every small sync the coordinator's loop makes meanwhile (SQLite syncs the WAL header
/// each time the WAL starts over) waited behind it: commits stretched by 20–30 ms while a
/// snapshot was written (docs/performance.md, "commits while a snapshot is written"). With at
/// most one chunk in flight those syncs wait for a few MiB at most. Memory stays one chunk too.
struct PacedFileWriter: ~Copyable {
    /// 4 MiB: on the benchmark machine (ext4 on virtio) the worst stall of a small fdatasync racing
    /// a 45 MB snapshot was 6.5–7.7 ms (median over 30 snapshots, two runs) with 4 MiB chunks,
    /// 7.3–9.4 with 1 MiB, 10.5–10.8 with an fdatasync per 4 MiB and 21.9–22.7 written whole
    /// (bench/compaction/fsync_coupling.py).
    static let defaultChunkBytes = 4 << 20

    let path: String
    private let fd: Int32
    private let chunkBytes: Int
    private var buffer: [UInt8] = []
    private var written: Int64 = 0

    /// Creates (or truncates) `path`.
    init(path: String, chunkBytes: Int = defaultChunkBytes) throws(SnapshotError) {
        self.path = path
        self.chunkBytes = chunkBytes
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path, "open", errno) }
        buffer.reserveCapacity(chunkBytes + (1 << 16))
    }

    deinit { close(fd) }

    mutating func append<C: Collection>(_ bytes: C) throws(SnapshotError) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= chunkBytes { try drain() }
    }

    /// Writes what is buffered and fsyncs the file: once this returns, the file is on disk.
    consuming func finish() throws(SnapshotError) {
        try drain()
        guard fsync(fd) == 0 else { throw .io(path, "fsync", errno) }
    }

    /// Writes the buffer and waits until the disk has it (no cache flush: `finish` does that once).
    private mutating func drain() throws(SnapshotError) {
        guard !buffer.isEmpty else { return }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io(path, "write", errno) }
            offset += n
        }
        let start = written
        written += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
        if let syncRange = Self.syncFileRange {
            // WAIT_BEFORE | WRITE | WAIT_AFTER (1 | 2 | 4): start writeback of the range and wait for it.
            guard syncRange(fd, start, written - start, 1 | 2 | 4) == 0 else { throw .io(path, "sync_file_range", errno) }
        } else {
            guard fdatasync(fd) == 0 else { throw .io(path, "fdatasync", errno) }
        }
    }

    /// `sync_file_range` (Linux): Swift's Glibc module does not declare it (it needs `_GNU_SOURCE`).
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    private static let syncFileRange: SyncFileRange? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
    }()
}
