import DroverProtocol
import DroverStore
import Foundation
import Testing
import ZeroMQ

/// A failed journal commit stops the coordinator at once (fail-stop): memory is ahead of disk,
/// so nothing more may leave it, and it exits 1 saying what failed and what to do.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct FailStopTests {
    @Test("a commit that fails (injected I/O error) stops the coordinator: no ASSIGN, no SUBMITTED, exit 1 with advice")
    func injectedCommitFailure() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        // Commit 1 is the start-up epoch; commit 2 (the submission and its assignment) fails.
        // Every later commit would succeed, so anything sent after the failure would show.
        let coordinator = try cluster.coordinator(environment: ["DROVER_FAILPOINT": "fail-commit:2"])
        defer { coordinator.stop() }
        let worker = try RawWorker(endpoint: cluster.endpoint, credit: 8)
        var received = worker.exchange(until: { $0.contains { if case .welcome = $0 { true } else { false } } })
        #expect(received.contains { if case .welcome = $0 { true } else { false } }, "no WELCOME: \(received)")

        let submit = try DroverProcess(["submit", "--kind", "noop", "--count", "4", "--json", "--timeout", "3000",
                                        "--connect", cluster.endpoint], name: "submit", in: cluster.dir)
        // The worker stays alive (heartbeats) and records everything until the coordinator is gone.
        received += worker.exchange(until: { _ in !coordinator.process.isRunning })
        coordinator.process.waitUntilExit()
        submit.process.waitUntilExit()
        #expect(submit.process.terminationStatus != 0, "the submission was acknowledged although it never reached disk: \(submit.output)")
        #expect(coordinator.process.terminationStatus == 1)
        let log = coordinator.output
        #expect(log.contains("fail-stop"), "\(log)")
        #expect(log.contains("I/O error"), "\(log)")
        #expect(log.contains("check the kernel log"), "\(log)")
        #expect(!received.contains { if case .assign = $0 { true } else { false } },
                "an ASSIGN left the coordinator for jobs never on disk: \(received)")

        // The journal holds no trace of the failed batch.
        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.submitted == 0)
    }

    @Test("a real full file system (4 MiB tmpfs): the coordinator exits 1 saying the disk is full; acknowledged jobs are on disk",
          .enabled(if: getuid() == 0, "needs root to mount a tmpfs"))
    func fullFileSystem() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let mountPoint = cluster.dir.appendingPathComponent("small").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]) == 0 else {
            Issue.record("mount -t tmpfs failed although running as root (no CAP_SYS_ADMIN?)")
            return
        }
        defer { _ = run("/bin/umount", ["-l", mountPoint]) }
        let dataDir = mountPoint + "/data"
        let coordinator = try DroverProcess(["coordinator", "--bind", cluster.endpoint, "--data-dir", dataDir,
                                             "--log-level", "info"], name: "coordinator", in: cluster.dir)
        defer { coordinator.stop() }
        try cluster.waitForStatus { _ in true }

        // 64 jobs of ~4 KB each per submission: the 4 MiB file system (the metadata store and its
        // migrations take ~1 MiB at start) fills within a few dozen submissions.
        let padding = String(repeating: "x", count: 4_000)
        var acknowledged = 0
        for _ in 0..<100 where coordinator.process.isRunning {
            let r = try cluster.run(["submit", "--kind", "noop", "--param", "pad=\(padding)", "--count", "64",
                                     "--json", "--timeout", "3000"])
            if r.status == 0 { acknowledged += 64 } else { break }
        }
        coordinator.process.waitUntilExit()
        #expect(coordinator.process.terminationStatus == 1)
        let log = coordinator.output
        #expect(log.contains("disk full"), "\(log)")
        #expect(log.contains("free space on the file system"), "\(log)")
        #expect(acknowledged > 0)

        let audit = try JournalAuditor(dataDir: dataDir).report
        #expect(audit.submitted >= acknowledged, "a job acknowledged before the failure is missing from the journal")
    }

    private func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

/// A worker speaking the protocol over a raw DEALER: says HELLO with some credit, then
/// heartbeats and records every message the coordinator sends.
final class RawWorker {
    let context: ZMQContext
    let socket: ZMQSocket

    init(endpoint: String, name: String = "raw", credit: UInt32) throws {
        context = try ZMQContext()
        socket = try ZMQSocket(context, type: .dealer, linger: .zero)
        try socket.set([.receiveTimeout(.milliseconds(50))])
        try socket.connect(endpoint)
        let hello = WorkerMessage.hello(.init(name: name, slots: credit, credit: credit, tags: [], kinds: [], held: []))
        _ = try socket.send([hello.encode()])
    }

    /// Heartbeats every 50 ms and records what arrives until `done(received)` holds (at most 30 s).
    func exchange(until done: ([CoordinatorMessage]) -> Bool) -> [CoordinatorMessage] {
        var out: [CoordinatorMessage] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while !done(out), ContinuousClock.now < deadline {
            _ = try? socket.send([WorkerMessage.heartbeat.encode()])
            while let frames = try? socket.receive(), let last = frames.last {
                if let m = try? CoordinatorMessage.decode(last) { out.append(m) }
            }
        }
        return out
    }

    deinit {
        socket.close()
        context.terminate()
    }
}
