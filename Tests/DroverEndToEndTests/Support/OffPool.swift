import Foundation
import NativeThreads
import Testing

/// End-to-end tests block the thread they run on: they run `drover` commands to completion
/// (`program`), wait for processes and poll files. Swift's cooperative pool has one thread per
/// core (two on CI), so two such tests at once starved every other suite in the process, and
/// unrelated time limits fired. `.offPool` runs each test of a suite on a thread of its own (a task
/// executor preference, SE-0417), where blocking costs the pool nothing, and lets twice as many
/// such tests run at once as there are cores (each starts real processes): the others wait on a
/// thread of that executor, before their time limit starts (it covers each test case, inside this scope).
struct OffPoolTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> OffPoolTrait? {
        test.isSuite || testCase != nil ? nil : self
    }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(BlockingTestExecutor.shared) {
            // On a thread of the executor: waiting for a place blocks no pool thread.
            Self.places.acquire()
            defer { Self.places.release() }
            try await function()
        }
    }

    static let places = Places(2 * max(1, ProcessInfo.processInfo.activeProcessorCount))
}

extension Trait where Self == OffPoolTrait {
    /// Runs the suite's tests off the cooperative pool (see `OffPoolTrait`).
    static var offPool: Self { OffPoolTrait() }
}

/// A counting semaphore for threads (blocking: only for `BlockingTestExecutor`'s threads).
final class Places: @unchecked Sendable {
    // @unchecked Sendable: `free` is guarded by `condition`.
    private let condition = NSCondition()
    private var free: Int

    init(_ count: Int) { free = count }

    func acquire() {
        condition.lock()
        while free == 0 { condition.wait() }
        free -= 1
        condition.unlock()
    }

    func release() {
        condition.lock()
        free += 1
        condition.signal()
        condition.unlock()
    }
}

/// A task executor that runs each job on a waiting thread, starting a new one when none waits,
/// so a job never queues behind one that blocks. Threads are kept for the next jobs.
final class BlockingTestExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `idle` are guarded by `condition`.
    static let shared = BlockingTestExecutor()
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var idle = 0

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        let start = jobs.count > idle
        if !start { condition.signal() }
        condition.unlock()
        if start {
            do {
                try NativeThread.start { [self] in serve() }.detach()
            } catch {
                fatalError("cannot start a test thread: \(error)")
            }
        }
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
