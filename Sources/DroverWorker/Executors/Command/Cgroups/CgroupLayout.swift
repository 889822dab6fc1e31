/// One cgroup hierarchy mounted on this host: the v2 (unified) one, or a v1 one with its controllers.
struct CgroupHierarchy: Equatable, Sendable {
    /// 1 or 2.
    var version: Int
    var mountPoint: String
    /// The hierarchy's path seen at `mountPoint` (`/` unless a container bind-mounted a subtree).
    var mountRoot: String
    /// v1: the controllers of the hierarchy (`memory`, `cpu`, `name=systemd`, …); v2: empty (they
    /// are per cgroup, in `cgroup.controllers`).
    var controllers: Set<String>
    /// This process's cgroup in the hierarchy (`/proc/self/cgroup`), when listed.
    var ownPath: String?

    /// The directory of the cgroup at `path` in this hierarchy, or nil when it lies outside the mount.
    func directory(of path: String) -> String? {
        let root = mountRoot == "/" ? "" : mountRoot
        guard path == mountRoot || root.isEmpty || path.hasPrefix(root + "/") else { return nil }
        let relative = path.dropFirst(root.count)
        let base = mountPoint == "/" ? "" : mountPoint
        return relative.isEmpty || relative == "/" ? mountPoint : base + (relative.hasPrefix("/") ? "" : "/") + relative
    }
}

/// Which hierarchy serves each thing Drover does with cgroups. A hybrid host (v1 controllers plus
/// a v2 mount without them) uses several hierarchies for one attempt.
struct CgroupPlan: Equatable, Sendable {
    var memory: CgroupHierarchy?
    var cpu: CgroupHierarchy?
    /// Tracking and killing every process of an attempt, `setsid` escapees included.
    var track: CgroupHierarchy?
}

/// The cgroup hierarchies of this host, read from `/proc/self/mountinfo` and `/proc/self/cgroup`.
/// Pure: the texts come in, nothing is touched (the worker's `WorkerCgroups` does the rest).
struct CgroupLayout: Equatable, Sendable {
    var v2: CgroupHierarchy?
    var v1: [CgroupHierarchy] = []

    static func parse(mountinfo: String, selfCgroup: String) -> CgroupLayout {
        var own: [String: String] = [:] // "" for v2, else each v1 controller → path
        for line in selfCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[1].isEmpty { own[""] = String(fields[2]) }
            for c in fields[1].split(separator: ",") { own[String(c)] = String(fields[2]) }
        }
        var layout = CgroupLayout()
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 3 else { continue }
            let type = fields[dash + 1]
            let root = unescape(fields[3]), point = unescape(fields[4])
            if type == "cgroup2", layout.v2 == nil {
                layout.v2 = CgroupHierarchy(version: 2, mountPoint: point, mountRoot: root, controllers: [], ownPath: own[""])
            } else if type == "cgroup" {
                let options = Set(fields[dash + 3].split(separator: ",").map(String.init))
                let controllers = options.filter { !["rw", "ro"].contains($0) && !$0.hasPrefix("release_agent=") && !["noprefix", "clone_children", "xattr", "cpuset_v2_mode"].contains($0) }
                guard !controllers.isEmpty, !layout.v1.contains(where: { $0.controllers == controllers }) else { continue }
                layout.v1.append(CgroupHierarchy(version: 1, mountPoint: point, mountRoot: root, controllers: controllers,
                                                 ownPath: controllers.lazy.compactMap { own[$0] }.first))
            }
        }
        return layout
    }

    /// Memory and CPU from v2 when its cgroup where Drover's go (`v2Controllers`: that cgroup's
    /// `cgroup.controllers`) offers them, else from the v1 hierarchy with that controller;
    /// tracking from v2 whenever it is mounted (`cgroup.procs` and `cgroup.kill` need no
    /// controller), else from a v1 hierarchy already used, else any.
    func plan(v2Controllers: Set<String>) -> CgroupPlan {
        func pick(_ controller: String) -> CgroupHierarchy? {
            if let v2, v2Controllers.contains(controller) { return v2 }
            return v1.first { $0.controllers.contains(controller) }
        }
        var plan = CgroupPlan(memory: pick("memory"), cpu: pick("cpu"))
        plan.track = v2 ?? plan.memory ?? plan.cpu ?? v1.first { $0.controllers.contains("pids") } ?? v1.first
        return plan
    }

    /// `--cgroup-root` as a cgroup path: `/drover` as is (a leading `/` added when missing), and a
    /// directory under a cgroup mount point (`/sys/fs/cgroup/drover` on a pure v2 host) as the
    /// cgroup it names, so that it applies to every hierarchy alike.
    func cgroupPath(of root: String) -> String {
        let mounts = ([v2].compactMap { $0 } + v1).sorted { $0.mountPoint.count > $1.mountPoint.count }
        for h in mounts where root == h.mountPoint || root.hasPrefix(h.mountPoint + "/") {
            let inside = String(root.dropFirst(h.mountPoint.count))
            let root = h.mountRoot == "/" ? "" : h.mountRoot
            return inside.isEmpty ? (root.isEmpty ? "/" : root) : root + inside
        }
        return root.hasPrefix("/") ? root : "/" + root
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let b = utf8.first {
            if b == UInt8(ascii: "\\"), utf8.count >= 4, let code = UInt8(String(decoding: utf8.dropFirst().prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(code)
                utf8 = utf8.dropFirst(4)
            } else {
                bytes.append(b)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
