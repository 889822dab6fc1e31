@testable import DroverWorker
import Testing

/// Which cgroup hierarchy serves memory, CPU and tracking, from mountinfo texts of real layouts.
@Suite("Cgroup layout: parsing mountinfo and /proc/self/cgroup")
struct CgroupLayoutTests {
    static let pureV2 = """
    22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw
    26 23 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
    28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
    """
    static let pureV2Self = "0::/system.slice/drover-worker.service\n"

    /// This project's CI VM: v1 controllers, and a v2 mount whose root offers only hugetlb.
    static let hybrid = """
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
    33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
    """
    static let hybridSelf = """
    9:name=systemd:/
    8:pids:/
    4:memory:/process_api/51c1
    2:cpuacct:/
    1:cpu:/
    0::/
    """

    /// An older distribution: v1 only, cpu and cpuacct co-mounted, a mount point with a space.
    static let v1Only = """
    25 24 0:22 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
    27 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
    28 24 0:25 / /sys/fs/cgroup/memory\\040x rw,nosuid - cgroup cgroup rw,memory
    """
    static let v1OnlySelf = "4:memory:/user.slice\n3:cpu,cpuacct:/user.slice\n1:name=systemd:/user.slice/session-1.scope\n"

    @Test("pure v2: memory, cpu and tracking all from the unified hierarchy when its cgroup offers them")
    func pureV2Layout() {
        let layout = CgroupLayout.parse(mountinfo: Self.pureV2, selfCgroup: Self.pureV2Self)
        let v2 = CgroupHierarchy(version: 2, mountPoint: "/sys/fs/cgroup", mountRoot: "/", controllers: [],
                                 ownPath: "/system.slice/drover-worker.service")
        #expect(layout == CgroupLayout(v2: v2, v1: []))
        #expect(layout.plan(v2Controllers: ["cpu", "memory", "pids"]) == CgroupPlan(memory: v2, cpu: v2, track: v2))
        #expect(v2.directory(of: v2.ownPath!) == "/sys/fs/cgroup/system.slice/drover-worker.service")
        // Not delegated: nothing but tracking.
        #expect(layout.plan(v2Controllers: []) == CgroupPlan(memory: nil, cpu: nil, track: v2))
    }

    @Test("hybrid: memory and cpu from v1, tracking from the controller-less v2 mount")
    func hybridLayout() throws {
        let layout = CgroupLayout.parse(mountinfo: Self.hybrid, selfCgroup: Self.hybridSelf)
        #expect(layout.v1.map(\.mountPoint) == ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/memory",
                                                "/sys/fs/cgroup/pids", "/sys/fs/cgroup/systemd"])
        let plan = layout.plan(v2Controllers: ["hugetlb"])
        let memory = try #require(plan.memory), cpu = try #require(plan.cpu), track = try #require(plan.track)
        #expect(memory.version == 1 && memory.mountPoint == "/sys/fs/cgroup/memory" && memory.ownPath == "/process_api/51c1")
        #expect(memory.directory(of: memory.ownPath!) == "/sys/fs/cgroup/memory/process_api/51c1")
        #expect(cpu.version == 1 && cpu.controllers == ["cpu"] && cpu.directory(of: cpu.ownPath!) == "/sys/fs/cgroup/cpu")
        #expect(track.version == 2 && track.mountPoint == "/sys/fs/cgroup/unified" && track.ownPath == "/")
        #expect(layout.v1.first { $0.mountPoint.hasSuffix("systemd") }?.controllers == ["name=systemd"])
    }

    @Test("v1 only: co-mounted controllers, escaped mount points, tracking in the memory hierarchy")
    func v1OnlyLayout() throws {
        let layout = CgroupLayout.parse(mountinfo: Self.v1Only, selfCgroup: Self.v1OnlySelf)
        #expect(layout.v2 == nil)
        let plan = layout.plan(v2Controllers: [])
        let memory = try #require(plan.memory)
        #expect(memory.mountPoint == "/sys/fs/cgroup/memory x" && memory.ownPath == "/user.slice")
        #expect(plan.cpu?.controllers == ["cpu", "cpuacct"] && plan.cpu?.ownPath == "/user.slice")
        #expect(plan.track == memory)
        #expect(layout.v1.first?.controllers == ["name=systemd"], "release_agent= and xattr are options, not controllers")
    }

    @Test("no cgroup mounted, or garbage: nothing is served")
    func noneLayout() {
        let none = CgroupLayout.parse(mountinfo: "28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\nnot a line\n", selfCgroup: "")
        #expect(none == CgroupLayout())
        #expect(none.plan(v2Controllers: ["memory"]) == CgroupPlan())
    }

    @Test("a container's bind-mounted subtree: own paths map into the mount, paths outside it do not")
    func containerMountRoot() {
        let h = CgroupHierarchy(version: 2, mountPoint: "/sys/fs/cgroup", mountRoot: "/docker/abc", controllers: [], ownPath: "/docker/abc")
        #expect(h.directory(of: "/docker/abc") == "/sys/fs/cgroup")
        #expect(h.directory(of: "/docker/abc/init") == "/sys/fs/cgroup/init")
        #expect(h.directory(of: "/docker/abcdef") == nil)
        #expect(h.directory(of: "/") == nil)
        #expect(WorkerCgroups.base(h, root: "/docker/abc/drover") == "/sys/fs/cgroup/drover")
    }

    @Test("--cgroup-root: a cgroup path, or a directory under a mount point taken as the cgroup it names")
    func cgroupRootPath() {
        let v2 = CgroupLayout.parse(mountinfo: Self.pureV2, selfCgroup: Self.pureV2Self)
        #expect(v2.cgroupPath(of: "/sys/fs/cgroup/drover") == "/drover")
        #expect(v2.cgroupPath(of: "/sys/fs/cgroup") == "/")
        #expect(v2.cgroupPath(of: "drover") == "/drover")
        let hybrid = CgroupLayout.parse(mountinfo: Self.hybrid, selfCgroup: Self.hybridSelf)
        #expect(hybrid.cgroupPath(of: "/sys/fs/cgroup/memory/drover") == "/drover")
        #expect(hybrid.cgroupPath(of: "/sys/fs/cgroup/unified/a/b") == "/a/b")
        #expect(hybrid.cgroupPath(of: "/drover") == "/drover")
        let memory = hybrid.v1.first { $0.controllers.contains("memory") }!
        #expect(WorkerCgroups.base(memory, root: "/drover") == "/sys/fs/cgroup/memory/drover")
        #expect(WorkerCgroups.base(memory, root: nil) == "/sys/fs/cgroup/memory/process_api/51c1")
    }
}
