#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One cgroup: its directory and the version of its hierarchy. Blocking calls (see `CgroupFiles`).
struct CgroupDirectory: Equatable, Sendable {
    var version: Int
    var path: String

    func child(_ name: String) -> CgroupDirectory { CgroupDirectory(version: version, path: path + "/" + name) }

    var label: String { "cgroup v\(version) \(path)" }

    /// No process left in it (v2: `cgroup.events` `populated 0`, which counts its children too).
    var isEmpty: Bool {
        if version == 2, let populated = CgroupFiles.value("populated", in: CgroupFiles.read(path + "/cgroup.events")) {
            return populated == 0
        }
        return CgroupFiles.pids(path).isEmpty
    }

    /// SIGKILL to everything in it: v2's `cgroup.kill` when the kernel has it (5.14+), else each
    /// pid of `cgroup.procs` (a process forking meanwhile is caught by `killAndWait`'s next pass).
    func killAll() {
        if version == 2, CgroupFiles.write(path + "/cgroup.kill", "1") == 0 { return }
        signal(SIGKILL)
    }

    /// `signal` to each process listed in it (never this one).
    func signal(_ signal: Int32) {
        for pid in CgroupFiles.pids(path) where pid > 0 && pid != getpid() { _ = kill(pid, signal) }
    }

    /// Kills until empty, polling with a short backoff; false if processes remain after `timeout`
    /// (stuck in the kernel, e.g. on a dead NFS server).
    @discardableResult
    func killAndWait(timeout: Duration = .seconds(30)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var pause: UInt32 = 100
        while !isEmpty {
            guard ContinuousClock.now < deadline else { return false }
            killAll()
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        return true
    }

    /// Empties and removes it, its child cgroups first; false if something could not be removed.
    /// Never kills this process: a cgroup holding it (the worker's own leaf) and its parents stay.
    @discardableResult
    func remove() -> Bool {
        guard CgroupFiles.exists(path) else { return true }
        guard !CgroupFiles.pids(path).contains(getpid()) else { return false }
        var removed = true
        for name in CgroupFiles.entries(path, prefix: "") { removed = child(name).remove() && removed }
        guard removed else { return false }
        killAndWait()
        return rmdir(path) == 0
    }
}
