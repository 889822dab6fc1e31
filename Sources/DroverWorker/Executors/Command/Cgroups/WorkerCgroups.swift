#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cgroups a command worker puts its attempts in (docs/commands.md, *Limits*): in each
/// hierarchy it uses, a directory `drover-worker-PID` under the worker's own cgroup (or under
/// `--cgroup-root`), one child per attempt. Decided once at start; what could not be set up falls
/// back to rlimits, and `description` says what applies. Blocking: set up off the cooperative pool.
public struct WorkerCgroups: Sendable {
    /// The worker's directory in the hierarchy serving each role; nil when that role is not available.
    var memory: CgroupDirectory?
    var cpu: CgroupDirectory?
    var track: CgroupDirectory?
    /// Why a role is not served, for the log.
    var problems: [String] = []
    /// Stale `drover-worker-*` cgroups of dead workers removed at start.
    var cleaned = 0

    /// Memory limits are cgroup limits (no RLIMIT_AS).
    public var limitsMemory: Bool { memory != nil }
    public var isEnabled: Bool { memory != nil || cpu != nil || track != nil }

    /// `memory=cgroup-v1 cpu=cgroup-v1 kill=cgroup-v2`, or `rlimits` when no cgroup is usable.
    public var summary: String {
        guard isEnabled else { return "rlimits" }
        func text(_ d: CgroupDirectory?, _ fallback: String) -> String { d.map { "cgroup-v\($0.version)" } ?? fallback }
        return "memory=\(text(memory, "rlimit")) cpu=\(text(cpu, "threads-hint")) kill=\(text(track, "process-group"))"
    }

    /// The summary, the directories and the reasons for any fallback, for the worker's log.
    public var description: String {
        var parts = [summary]
        for d in Set([memory, cpu, track].compactMap { $0?.path }).sorted() { parts.append("in \(d)") }
        if cleaned > 0 { parts.append("removed \(cleaned) stale cgroup(s) of dead workers") }
        return (parts + problems).joined(separator: "; ")
    }

    /// No cgroups: rlimits only.
    public static let disabled = WorkerCgroups()

    /// Reads this host's layout and prepares the worker's cgroups. `root`: a cgroup path (as in
    /// `/proc/self/cgroup`, or a directory under a cgroup mount) to use instead of the worker's own.
    /// `moveSelf`: whether the worker may move itself into a leaf of its own cgroup (v2) so that
    /// the cgroup can hand controllers to its children (tests, sharing a process, say no).
    public static func setUp(root: String? = nil, name: String = "drover-worker-\(getpid())", moveSelf: Bool = true) -> WorkerCgroups {
        let layout = CgroupLayout.parse(mountinfo: CgroupFiles.read("/proc/self/mountinfo") ?? "",
                                        selfCgroup: CgroupFiles.read("/proc/self/cgroup") ?? "")
        return setUp(layout: layout, root: root, name: name, moveSelf: moveSelf)
    }

    /// Removes the worker's cgroups (at a clean shutdown; after a crash the next start does it).
    public func remove() {
        var seen: [CgroupDirectory] = []
        for d in [memory, cpu, track].compactMap({ $0 }) where !seen.contains(d) {
            seen.append(d)
            d.remove()
        }
    }

    static func setUp(layout: CgroupLayout, root given: String?, name: String, moveSelf: Bool) -> WorkerCgroups {
        var result = WorkerCgroups()
        let root = given.map { layout.cgroupPath(of: $0) }
        guard layout.v2 != nil || !layout.v1.isEmpty else {
            result.problems.append("no cgroup hierarchy is mounted")
            return result
        }
        let v2Base = layout.v2.flatMap { base($0, root: root) }
        let offered = v2Base.flatMap { CgroupFiles.read($0 + "/cgroup.controllers") } ?? ""
        let plan = layout.plan(v2Controllers: Set(offered.split(whereSeparator: \.isWhitespace).map(String.init)))
        var prepared: [String: CgroupDirectory] = [:]
        for h in [plan.memory, plan.cpu, plan.track].compactMap({ $0 }) where prepared[h.mountPoint] == nil {
            let needed = h.version == 2 ? [("memory", plan.memory), ("cpu", plan.cpu)].filter { $0.1 == h }.map(\.0) : []
            if let dir = result.prepare(h, controllers: needed, root: root, name: name, moveSelf: moveSelf) { prepared[h.mountPoint] = dir }
        }
        func served(_ h: CgroupHierarchy?, _ controller: String?) -> CgroupDirectory? {
            guard let h, let dir = prepared[h.mountPoint] else { return nil }
            guard h.version == 2, let controller else { return dir }
            let enabled = (CgroupFiles.read(dir.path + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace)
            if enabled.contains(Substring(controller)) { return dir }
            result.problems.append("the cgroup v2 \(controller) controller cannot be enabled for \(dir.path)")
            return nil
        }
        result.memory = served(plan.memory, "memory")
        result.cpu = served(plan.cpu, "cpu")
        result.track = served(plan.track, nil)
        if plan.memory == nil { result.problems.append("no cgroup hierarchy has the memory controller") }
        return result
    }

    /// The directory Drover's cgroups go under in `h`: the cgroup `root`, or this process's own cgroup.
    static func base(_ h: CgroupHierarchy, root: String?) -> String? {
        guard let root else { return h.ownPath.flatMap(h.directory(of:)) }
        return h.directory(of: root)
    }

    /// Creates `BASE/name` in `h` (after removing stale siblings of dead workers) and, on v2,
    /// enables `controllers` for it and its children. Nil, with the reason noted, when it cannot.
    private mutating func prepare(_ h: CgroupHierarchy, controllers: [String], root: String?, name: String,
                                  moveSelf: Bool) -> CgroupDirectory? {
        guard let base = Self.base(h, root: root) else {
            problems.append("this process's cgroup is not visible under \(h.mountPoint)")
            return nil
        }
        if root != nil {
            // An explicit root: create it, with the controllers enabled down to it.
            var path = h.mountPoint
            for part in base.dropFirst(h.mountPoint.count).split(separator: "/") {
                if h.version == 2 { Self.enable(controllers, in: path) }
                path += "/" + part
                guard CgroupFiles.makeDirectory(path) else {
                    problems.append("cannot create \(path): \(String(cString: strerror(errno)))")
                    return nil
                }
            }
        }
        cleaned += Self.removeStale(in: base, version: h.version, own: name)
        let dir = CgroupDirectory(version: h.version, path: base + "/" + name)
        guard mkdir(dir.path, 0o755) == 0 else {
            problems.append("cannot create \(dir.path): \(String(cString: strerror(errno)))")
            return nil
        }
        guard !controllers.isEmpty else { return dir }
        // cgroup v2 lets a cgroup with processes of its own hand no controller to its children
        // (except the root): the worker moves itself into a leaf `BASE/name/worker`, as systemd
        // asks of a service with Delegate=yes. If other processes share that cgroup it does not
        // help: the worker moves back.
        if Self.enable(controllers, in: base) == EBUSY, moveSelf, root == nil {
            let leaf = dir.child("worker")
            if CgroupFiles.makeDirectory(leaf.path), CgroupFiles.write(leaf.path + "/cgroup.procs", "\(getpid())") == 0,
               Self.enable(controllers, in: base) != 0 {
                CgroupFiles.write(base + "/cgroup.procs", "\(getpid())")
                problems.append("\(base) has other processes, so its children cannot have controllers (run the worker in a cgroup of its own, e.g. a systemd service with Delegate=yes)")
            }
            if !CgroupFiles.pids(leaf.path).contains(getpid()) { rmdir(leaf.path) }
        }
        Self.enable(controllers, in: dir.path)
        return dir
    }

    /// Writes `+controller` to `subtree_control` for each; 0 or the first failure's errno.
    @discardableResult
    private static func enable(_ controllers: [String], in path: String) -> Int32 {
        var failure: Int32 = 0
        for c in controllers {
            let code = CgroupFiles.write(path + "/cgroup.subtree_control", "+\(c)")
            if failure == 0 { failure = code }
        }
        return failure
    }

    /// Removes `drover-worker-PID…` cgroups whose worker is dead (or that carry this worker's own
    /// name: an earlier process with the same pid), killing what is left in them; how many.
    static func removeStale(in base: String, version: Int, own: String) -> Int {
        var removed = 0
        for entry in CgroupFiles.entries(base, prefix: "drover-worker-") {
            guard let pid = pid_t(entry.dropFirst("drover-worker-".count).prefix { $0.isNumber }) else { continue }
            let dead = kill(pid, 0) != 0 && errno == ESRCH
            if dead || entry == own, CgroupDirectory(version: version, path: base + "/" + entry).remove() { removed += 1 }
        }
        return removed
    }

    /// A fresh cgroup for one attempt, with the limits written, in as few hierarchies as serve it
    /// (each one joined costs a cgroup migration per attempt): memory's when it has a memory limit,
    /// cpu's when it has `cpus`, the tracking one only when neither is used (any of them holds all
    /// the attempt's processes). On a pure v2 host that is one cgroup with everything.
    func attempt(jobID: UInt64, attempt: UInt32, memoryBytes: Int64?, cpus: Double?) throws(JobFailure) -> AttemptCgroup {
        let name = "job-\(jobID)-attempt-\(attempt)"
        var cgroup = AttemptCgroup()
        if memoryBytes != nil || memory == track { cgroup.memory = memory?.child(name) }
        if cpus != nil || cpu == track { cgroup.cpu = cpu?.child(name) }
        if cgroup.memory == nil, cgroup.cpu == nil { cgroup.track = (track ?? memory ?? cpu)?.child(name) }
        for dir in cgroup.directories {
            if CgroupFiles.exists(dir.path) { dir.remove() } // a retry after a crash of the same worker
            guard mkdir(dir.path, 0o755) == 0 else {
                throw JobFailure("command: cannot create the attempt's cgroup \(dir.path): \(String(cString: strerror(errno)))")
            }
        }
        do {
            try cgroup.limit(memoryBytes: memoryBytes, cpus: cpus)
        } catch {
            cgroup.remove()
            throw error
        }
        return cgroup
    }
}
