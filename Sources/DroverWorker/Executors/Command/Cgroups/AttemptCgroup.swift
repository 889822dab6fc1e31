#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One command attempt's cgroups (one per hierarchy used; on a pure v2 host a single one): its
/// limits, the shell line that moves the attempt's first process in before it `exec`s the
/// program, what the kernel counted (OOM kills, peak memory), killing everything in it, removal.
/// Blocking: used on the attempt's supervisor thread.
struct AttemptCgroup: Sendable {
    var memory: CgroupDirectory?
    var cpu: CgroupDirectory?
    var track: CgroupDirectory?

    /// CFS period for `cpus` (the kernel's default, 100 ms).
    static let cpuPeriodMicros: Int64 = 100_000

    /// Each cgroup once (memory, cpu and tracking share one on v2).
    var directories: [CgroupDirectory] {
        var seen: [CgroupDirectory] = []
        for d in [memory, cpu, track].compactMap({ $0 }) where !seen.contains(d) { seen.append(d) }
        return seen
    }

    /// Writes the memory limit (no swap beyond it) and the CPU quota (`cpus` × the period).
    func limit(memoryBytes: Int64?, cpus: Double?) throws(JobFailure) {
        if let bytes = memoryBytes, let dir = memory {
            if dir.version == 2 {
                try set(dir, "memory.max", "\(bytes)")
                try setIfPresent(dir, "memory.swap.max", "0")
                // The whole attempt is killed on an OOM kill, not one random process of it.
                try setIfPresent(dir, "memory.oom.group", "1")
            } else {
                try set(dir, "memory.limit_in_bytes", "\(bytes)")
                try setIfPresent(dir, "memory.memsw.limit_in_bytes", "\(bytes)")
            }
        }
        if let cpus, let dir = cpu {
            let quota = max(1_000, Int64((cpus * Double(Self.cpuPeriodMicros)).rounded()))
            if dir.version == 2 {
                try set(dir, "cpu.max", "\(quota) \(Self.cpuPeriodMicros)")
            } else {
                try set(dir, "cpu.cfs_period_us", "\(Self.cpuPeriodMicros)")
                try set(dir, "cpu.cfs_quota_us", "\(quota)")
            }
        }
    }

    private func set(_ dir: CgroupDirectory, _ file: String, _ value: String) throws(JobFailure) {
        let code = CgroupFiles.write(dir.path + "/" + file, value)
        guard code == 0 else {
            throw JobFailure("command: cannot set \(dir.path)/\(file) to \(value): \(String(cString: strerror(code)))")
        }
    }

    private func setIfPresent(_ dir: CgroupDirectory, _ file: String, _ value: String) throws(JobFailure) {
        if CgroupFiles.exists(dir.path + "/" + file) { try set(dir, file, value) }
    }

    /// Shell commands for the wrapper `/bin/sh`: move itself (`$$`, which then `exec`s the
    /// program, so the program and all its descendants start inside) into every cgroup.
    var joinScript: String {
        let moves = directories.map { "echo $$ > \(Self.quoted($0.path + "/cgroup.procs"))" }.joined(separator: " && ")
        return moves + " || { echo 'drover: cannot join the attempt cgroup' >&2; exit 125; }"
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// `signal` to every process of the attempt (SIGTERM when it is stopped).
    func signal(_ signal: Int32) {
        for d in directories { d.signal(signal) }
    }

    /// SIGKILL to every process of the attempt, wherever its process group or session.
    func killAll() {
        for d in directories { d.killAll() }
    }

    /// Kills until every cgroup of the attempt is empty; false if processes remain after the timeout.
    @discardableResult
    func killAndWait() -> Bool {
        directories.allSatisfy { $0.killAndWait() }
    }

    /// Kills what is left and removes the cgroups (those that will not go stay for the next start's clean-up).
    func remove() {
        for d in directories { d.remove() }
    }

    /// What the kernel counted for the attempt: OOM kills in its memory cgroup and its peak memory.
    func report() -> CgroupReport {
        guard let dir = memory else { return CgroupReport() }
        if dir.version == 2 {
            return CgroupReport(memoryVersion: 2,
                                oomKills: CgroupFiles.value("oom_kill", in: CgroupFiles.read(dir.path + "/memory.events")) ?? 0,
                                peakBytes: Self.number(dir.path + "/memory.peak"))
        }
        return CgroupReport(memoryVersion: 1,
                            oomKills: CgroupFiles.value("oom_kill", in: CgroupFiles.read(dir.path + "/memory.oom_control")) ?? 0,
                            peakBytes: Self.number(dir.path + "/memory.max_usage_in_bytes"))
    }

    private static func number(_ path: String) -> Int64? {
        CgroupFiles.read(path).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

/// What an attempt's memory cgroup recorded, read after its processes are gone.
struct CgroupReport: Sendable, Equatable {
    /// The cgroup version enforcing the memory limit; nil when memory was not limited by a cgroup.
    var memoryVersion: Int?
    var oomKills: Int64 = 0
    var peakBytes: Int64?
}
