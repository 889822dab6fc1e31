import DroverCore
import DroverProtocol
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A journal snapshot on disk: the records that rebuild the coordinator's state as of journal
/// row `coveredSeq` (see `JournalFold`). Written to a temporary name (a few MiB at a time, each
/// pushed to disk), fsynced, renamed over the old one and the directory fsynced, so at every
/// instant exactly one complete snapshot (or none) exists: a crash mid-write leaves the previous
/// one in place.
///
/// Layout: "DRVSNAP1", u64 coveredSeq, u64 record count, then frames of
/// (u32 length, u64 FNV-1a checksum, a `JournalRecord` batch), then a zero-length frame.
public enum SnapshotFile {
    static let magic = Array("DRVSNAP1".utf8)

    public struct Contents {
        public var coveredSeq: Int64
        public var batches: [[JournalRecord]]
    }

    /// Writes `batches` as the snapshot covering journal rows up to `coveredSeq`. `beforeRename`
    /// runs once the temporary file is complete and synced (a crash test hook). Frames are encoded
    /// and written a chunk at a time, each pushed to disk before the next (`PacedFileWriter`).
    public static func write(_ batches: [[JournalRecord]], coveredSeq: Int64, to path: String,
                             beforeRename: () -> Void = {}) throws {
        try write(batches, coveredSeq: coveredSeq, to: path, chunkBytes: PacedFileWriter.defaultChunkBytes, beforeRename: beforeRename)
    }

    static func write(_ batches: [[JournalRecord]], coveredSeq: Int64, to path: String, chunkBytes: Int,
                      beforeRename: () -> Void = {}) throws {
        var file = try PacedFileWriter(path: path + ".tmp", chunkBytes: chunkBytes)
        var header: [UInt8] = magic
        appendLE(UInt64(bitPattern: coveredSeq), to: &header)
        appendLE(UInt64(batches.reduce(0) { $0 + $1.count }), to: &header)
        try file.append(header)
        for batch in batches {
            let bytes = JournalRecord.encodeBatch(batch)
            var frame: [UInt8] = []
            appendLE(UInt32(bytes.count), to: &frame)
            appendLE(fnv1a(bytes[...]), to: &frame)
            try file.append(frame)
            try file.append(bytes)
        }
        var end: [UInt8] = []
        appendLE(UInt32(0), to: &end)
        try file.append(end)
        let temporary = file.path
        try file.finish()
        beforeRename()
        guard rename(temporary, path) == 0 else { throw SnapshotError.io(path, "rename", errno) }
        try syncDirectory(of: path)
    }

    /// The snapshot at `path`, or nil if there is none.
    public static func read(_ path: String) throws -> Contents? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw SnapshotError.io(path, "read", errno) }
        let bytes = [UInt8](data)
        var at = 0
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count - at >= n else { throw SnapshotError.corrupt(path, "truncated at byte \(at)") }
            defer { at += n }
            return bytes[at..<at + n]
        }
        func le<T: FixedWidthInteger>(_: T.Type) throws -> T {
            try take(MemoryLayout<T>.size).reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        guard try take(magic.count).elementsEqual(magic) else { throw SnapshotError.corrupt(path, "not a Drover snapshot") }
        let covered = Int64(bitPattern: try le(UInt64.self))
        let expected = try le(UInt64.self)
        var frames: [(checksum: UInt64, range: Range<Int>)] = []
        while true {
            let length = Int(try le(UInt32.self))
            if length == 0 { break }
            let checksum = try le(UInt64.self)
            let start = at
            _ = try take(length)
            frames.append((checksum, start..<at))
        }
        guard at == bytes.count else { throw SnapshotError.corrupt(path, "\(bytes.count - at) bytes after the end") }
        let batches = try decodeFrames(bytes, frames, path: path)
        let records = batches.reduce(UInt64(0)) { $0 + UInt64($1.count) }
        guard records == expected else { throw SnapshotError.corrupt(path, "\(records) records, header says \(expected)") }
        return Contents(coveredSeq: covered, batches: batches)
    }

    /// Checks and decodes the frames on every core: decoding is two thirds of a restart's replay
    /// (perf, release), and the frames are independent. Applying them stays in order, on the caller.
    private static func decodeFrames(_ bytes: [UInt8], _ frames: [(checksum: UInt64, range: Range<Int>)],
                                     path: String) throws -> [[JournalRecord]] {
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, frames.count))
        let results = Mutex([Result<[JournalRecord], SnapshotError>?](repeating: nil, count: frames.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var mine: [(Int, Result<[JournalRecord], SnapshotError>)] = []
            for i in stride(from: lane, to: frames.count, by: lanes) {
                let frame = bytes[frames[i].range]
                guard fnv1a(frame) == frames[i].checksum else {
                    mine.append((i, .failure(.corrupt(path, "checksum mismatch in frame \(i)"))))
                    continue
                }
                do {
                    mine.append((i, .success(try JournalRecord.decodeBatch(Array(frame)))))
                } catch {
                    mine.append((i, .failure(.corrupt(path, "frame \(i): \(error)"))))
                }
            }
            results.withLock { all in for (i, r) in mine { all[i] = r } }
        }
        return try results.withLock { all in try all.map { try $0!.get() } }
    }

    private static func appendLE<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    private static func syncDirectory(of path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SnapshotError.io(dir, "open", errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SnapshotError.io(dir, "fsync", errno) }
    }
}

public enum SnapshotError: Error, CustomStringConvertible {
    case io(String, String, Int32)
    case corrupt(String, String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            "journal snapshot \(path): \(operation) failed: \(String(cString: strerror(code)))"
        case .corrupt(let path, let reason):
            "journal snapshot \(path) is corrupt: \(reason). Restore the data directory from a backup."
        }
    }
}
