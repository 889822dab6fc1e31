import Glibc

/// A file descriptor with every C call wrapped once: EINTR retried, ENOSPC/EDQUOT mapped to
/// `diskFull`, anything else to `io` naming the call and the path. Blocking: call it from a
/// thread of its own (never Swift's cooperative pool). The project's one wrapper of these calls.
public final class PosixFile {
    public let fd: Int32
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(ArtifactError) -> PosixFile {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return PosixFile(fd: fd, path: path) }
            if errno == EINTR { continue }
            throw PosixFile.error("open", path)
        }
    }

    /// Reads up to `count` bytes at the current offset; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArtifactError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw PosixFile.error("read", path)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at end of file.
    public func pread(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ArtifactError) -> Int {
        while true {
            let n = Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw PosixFile.error("read", path)
        }
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ArtifactError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n > 0 { done += n; continue }
            if n < 0, errno == EINTR { continue }
            if n == 0 { errno = ENOSPC }
            throw PosixFile.error("write", path)
        }
    }

    public func sync() throws(ArtifactError) {
        guard fsync(fd) == 0 else { throw PosixFile.error("fsync", path) }
    }

    public func size() throws(ArtifactError) -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw PosixFile.error("stat", path) }
        return Int64(st.st_size)
    }

    deinit { Glibc.close(fd) }

    /// The typed error for the `errno` of a failed `operation` on `path`.
    static func error(_ operation: String, _ path: String) -> ArtifactError {
        let code = errno
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path) }
        return .io(operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }
}

enum FileOps {
    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(ArtifactError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST { throw PosixFile.error("mkdir", current) }
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Size of a regular file, or nil if there is none.
    static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    static func remove(_ path: String) { unlink(path) }

    /// Moves `from` to `to` only if `to` does not exist yet (hard link + unlink): a stored
    /// artifact is never replaced. Returns false when `to` already existed.
    static func moveIfAbsent(_ from: String, to: String) throws(ArtifactError) -> Bool {
        if link(from, to) == 0 {
            unlink(from)
            return true
        }
        let code = errno
        if code == EEXIST {
            unlink(from)
            return false
        }
        errno = code
        throw PosixFile.error("link", to)
    }

    /// fsync of a directory, so a rename in it survives power loss.
    static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
