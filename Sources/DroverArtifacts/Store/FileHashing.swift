import Crypto
import Glibc

/// SHA-256 of files, read in large chunks (blocking: call from a thread of its own).
public enum FileHashing {
    /// 1 MiB: large enough that system calls cost nothing next to hashing.
    static let chunk = 1 << 20

    public static func digest(ofFileAt path: String) throws(ArtifactError) -> ArtifactRef {
        let file = try PosixFile.open(path, flags: O_RDONLY)
        var hasher = SHA256()
        var total: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            total += Int64(n)
        }
        return ArtifactRef(digest: ArtifactDigest(hasher.finalize()), size: total)
    }
}
