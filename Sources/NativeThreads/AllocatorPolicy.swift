import CMalloc

/// How glibc's malloc treats the large transient buffers a drover process streams through:
/// 1 MiB file chunks and socket reads of an artifact download, histogram replies, encoded
/// frames. By default glibc serves a block above a threshold that adapts from 128 KiB with a
/// fresh `mmap` and returns it on `free`, and gives memory beyond 128 KiB–2× that threshold at
/// an arena's top back to the kernel: each such buffer is then faulted in again, page by page.
/// On a VM that returns free memory to its host, each of those faults can be a host fault too.
/// Measured with `drover bench artifacts --size 1G --runs 5`, both processes, 7 alternating
/// pairs: 544,304–925,702 page faults and 0.70 GB/s (median) by default, 36,401–54,313 and
/// 0.80 GB/s with this policy (docs/performance.md, *Session 27*).
///
/// The policy: blocks up to `retainedBytes` come from the arenas, and an arena keeps up to
/// `retainedBytes` free at its top. The cost is memory the kernel does not get back at once: at
/// most that much per arena, beyond what the process has in use. Blocks above it (a dataset's
/// columns) are still mapped and unmapped on their own. Other allocators than glibc's: no effect.
public enum AllocatorPolicy {
    /// 32 MiB: glibc's largest mmap threshold on 64-bit (`DEFAULT_MMAP_THRESHOLD_MAX`).
    public static let retainedBytes: Int32 = 32 << 20

    /// Applies the policy to this process (call once, early in `main`). Returns whether glibc took it.
    @discardableResult
    public static func apply() -> Bool {
        #if os(Linux)
        return mallopt(M_MMAP_THRESHOLD, retainedBytes) == 1 && mallopt(M_TRIM_THRESHOLD, retainedBytes) == 1
        #else
        return false
        #endif
    }
}
