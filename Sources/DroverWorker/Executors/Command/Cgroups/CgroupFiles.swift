#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DroverArtifacts

/// Reading and writing cgroup control files. Blocking: call from a thread of its own (the
/// command supervisor's, or `runOffPool` at worker start), never the cooperative pool.
enum CgroupFiles {
    /// The file's text (control files are small), or nil when it cannot be read.
    static func read(_ path: String) -> String? {
        guard let file = try? PosixFile.open(path, flags: O_RDONLY) else { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while bytes.count < 1 << 20 {
            guard let n = try? buffer.withUnsafeMutableBytes({ (b) throws(ArtifactError) in try file.read(into: b) }), n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` in one `write` (as the kernel expects); 0 or the errno of the failure.
    @discardableResult
    static func write(_ path: String, _ text: String) -> Int32 {
        do throws(ArtifactError) {
            let file = try PosixFile.open(path, flags: O_WRONLY)
            let bytes = Array(text.utf8)
            let written: Result<Void, ArtifactError> = bytes.withUnsafeBytes { b in Result { () throws(ArtifactError) in try file.write(b) } }
            try written.get()
            return 0
        } catch {
            switch error {
            case .io(_, _, let code, _): return code
            case .diskFull: return ENOSPC
            default: return EIO
            }
        }
    }

    /// The value of `key` in a flat-keyed file (`memory.events`, `memory.oom_control`, `cgroup.events`).
    static func value(_ key: String, in text: String?) -> Int64? {
        for line in (text ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int64(parts[1]) }
        }
        return nil
    }

    /// The pids listed in a `cgroup.procs` file.
    static func pids(_ directory: String) -> [pid_t] {
        (read(directory + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { pid_t($0) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// `mkdir`; true when the directory is there afterwards (made now or before).
    static func makeDirectory(_ path: String) -> Bool {
        mkdir(path, 0o755) == 0 || errno == EEXIST
    }

    /// The names in a directory that start with `prefix` (subdirectories are all a cgroup lists).
    static func entries(_ directory: String, prefix: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != "..", name.hasPrefix(prefix), entry.pointee.d_type == DT_DIR { names.append(name) }
        }
        return names.sorted()
    }
}
