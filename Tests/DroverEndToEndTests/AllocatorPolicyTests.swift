import Glibc
import NativeThreads
import Testing

/// `drover` applies `AllocatorPolicy` first thing in `main`: large buffers freed and allocated
/// again (an artifact download's chunks) must reuse memory the process already has, not be
/// faulted in again page by page.
@Suite(.offPool)
struct AllocatorPolicyTests {
    @Test("allocator policy: 16 MiB of 1 MiB buffers freed and allocated again 20 times is not faulted in again")
    func freedBuffersAreReusedWithoutPageFaults() {
        #expect(AllocatorPolicy.apply(), "glibc accepts the thresholds")
        let (buffers, size) = (16, 1 << 20)
        func cycle() {
            let blocks = (0..<buffers).map { _ in malloc(size)! }
            for b in blocks { memset(b, 0xA5, size) }
            for b in blocks { free(b) }
        }
        cycle()
        let before = Self.minorFaultsOfThisThread()
        for _ in 0..<20 { cycle() }
        let faults = Self.minorFaultsOfThisThread() - before
        // With glibc's defaults the 16 MiB at the arena's top go back to the kernel after each
        // cycle, and come back as 4,096 faults per cycle (81,920 here).
        #expect(faults < 2_000, "\(faults) page faults for memory the process had already")
    }

    static func minorFaultsOfThisThread() -> Int {
        var usage = rusage()
        getrusage(1, &usage)  // RUSAGE_THREAD (Linux), which Glibc's module does not export
        return usage.ru_minflt
    }
}
