import Foundation
import Testing

/// CURVE with allow-lists, end to end: real coordinator, worker and client processes on loopback.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct SecurityTests {
    @Test("with keys, an allowed worker runs jobs an allowed client submits")
    func allowedWorkerAndClient() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let keys = try TestKeys(in: cluster.dir)
        let coordinator = try cluster.coordinator(extra: keys.coordinatorFlags)
        let worker = try cluster.worker("w1", extra: keys.peerFlags("w1"))
        defer { worker.stop(); coordinator.stop() }
        let r = try cluster.run(["submit", "--kind", "echo", "--param", "x=1", "--count", "20", "--wait"] + keys.peerFlags("c1"))
        #expect(r.status == 0, "\(r.stderr)")
        try cluster.waitForSecureStatus(keys) { $0.jobs("succeeded") == 20 && $0.aliveWorkers == 1 }
        #expect(coordinator.output.contains("CURVE, 1 worker key(s), 1 client key(s)"))
    }

    @Test("a worker with an unknown key gets no work: the job stays queued and the worker is not listed")
    func unknownWorkerGetsNoWork() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let keys = try TestKeys(in: cluster.dir)
        let coordinator = try cluster.coordinator(extra: keys.coordinatorFlags)
        let stranger = try cluster.worker("stranger", extra: keys.peerFlags("stranger"))
        // A client key on the worker socket is refused too.
        let clientAsWorker = try cluster.worker("c1-as-worker", extra: keys.peerFlags("c1"))
        defer { stranger.stop(); clientAsWorker.stop(); coordinator.stop() }
        #expect(try cluster.run(["submit", "--kind", "noop"] + keys.peerFlags("c1")).status == 0)
        try cluster.waitForLog(stranger, contains: "worker.auth.refused")
        try cluster.waitForLog(clientAsWorker, contains: "worker.auth.refused")
        usleep(500_000)
        try cluster.waitForSecureStatus(keys) { $0.jobs("queued") == 1 && $0.aliveWorkers == 0 }
        let workers = try cluster.run(["workers", "--json"] + keys.peerFlags("c1"))
        #expect(workers.status == 0)
        #expect(!workers.stdout.contains("stranger") && !workers.stdout.contains("c1-as-worker"), "\(workers.stdout)")
        #expect(coordinator.output.contains("coordinator.auth.denied"))
    }

    @Test("a worker key binds the worker name: another worker's name is refused, NAME-SUFFIX is accepted")
    func workerNameBoundToKey() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let keys = try TestKeys(in: cluster.dir)
        let coordinator = try cluster.coordinator(extra: keys.coordinatorFlags)
        let impostor = try cluster.worker("w2", extra: keys.peerFlags("w1"))
        defer { impostor.stop(); coordinator.stop() }
        #expect(try cluster.run(["submit", "--kind", "noop"] + keys.peerFlags("c1")).status == 0)
        try cluster.waitForLog(impostor, contains: "worker name 'w2' is not allowed for the key 'w1'")
        try cluster.waitForSecureStatus(keys) { $0.jobs("queued") == 1 && $0.aliveWorkers == 0 }
        let suffixed = try cluster.worker("w1-gpu", extra: keys.peerFlags("w1"))
        defer { suffixed.stop() }
        try cluster.waitForSecureStatus(keys) { $0.jobs("succeeded") == 1 && $0.aliveWorkers == 1 }
    }

    @Test("a client with an unknown key, a worker key or no key cannot submit: exit 1 with a hint")
    func refusedClients() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let keys = try TestKeys(in: cluster.dir)
        let coordinator = try cluster.coordinator(extra: keys.coordinatorFlags)
        defer { coordinator.stop() }
        for name in ["stranger", "w1"] {
            let r = try cluster.run(["submit", "--kind", "noop"] + keys.peerFlags(name))
            #expect(r.status == 1, "\(name): \(r.stderr)")
            #expect(r.stderr.contains("refused this client's CURVE key"), "\(name): \(r.stderr)")
            #expect(r.stderr.contains("hint: add this key's NAME.pub line to the coordinator's --allow-clients"))
        }
        // A worker key cannot cancel either (the job does not even exist: the handshake fails first).
        let cancel = try cluster.run(["cancel", "1"] + keys.peerFlags("w1"))
        #expect(cancel.status == 1)
        #expect(cancel.stderr.contains("refused this client's CURVE key"))
        let plain = try cluster.run(["status"])
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("requires CURVE keys"), "\(plain.stderr)")
        // Nothing was accepted.
        try cluster.waitForSecureStatus(keys) { $0.jobs("queued") == 0 }
    }

    @Test("a secret key file readable by others (0644) is refused with a chmod hint, exit 2")
    func worldReadableSecretRefused() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let keys = try TestKeys(in: cluster.dir)
        chmod(keys.secret("c1"), 0o644)
        let client = try cluster.run(["status"] + keys.peerFlags("c1"))
        #expect(client.status == 2)
        #expect(client.stderr.contains("chmod 600 \(keys.secret("c1"))"), "\(client.stderr)")
        chmod(keys.secret("coordinator"), 0o640)
        let coordinator = try drover(["coordinator", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir]
                                     + keys.coordinatorFlags)
        #expect(coordinator.status == 2)
        #expect(coordinator.stderr.contains("accessible by group or others (mode 0640)"), "\(coordinator.stderr)")
        #expect(!coordinator.stderr.contains(try secretLine(keys.secret("coordinator"))), "a secret key was printed")
    }

    @Test("keys generate writes a 0600 secret and a public 'KEY NAME' line, refuses to overwrite, has --help examples")
    func keysGenerate() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let out = cluster.dir.appendingPathComponent("k").path
        let r = try drover(["keys", "generate", "--out", out, "--name", "node-1"])
        #expect(r.status == 0, "\(r.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: out + "/node-1.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let pub = try String(contentsOfFile: out + "/node-1.pub", encoding: .utf8)
        let line = try #require(pub.split(separator: "\n").first { !$0.hasPrefix("#") })
        #expect(line.hasSuffix(" node-1") && line.count == 40 + 7)
        #expect(!r.stdout.contains(try secretLine(out + "/node-1.key")), "the secret key was printed")
        let again = try drover(["keys", "generate", "--out", out, "--name", "node-1"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("--force"))
        for command in [["keys"], ["keys", "generate"]] {
            let help = try drover(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("drover keys generate --out"))
        }
        let coordinatorHelp = try drover(["coordinator", "--help"])
        #expect(coordinatorHelp.stdout.contains("--curve-secret") && coordinatorHelp.stdout.contains("--insecure"))
    }

    @Test("binding 0.0.0.0 without keys fails with exit 2 unless --insecure")
    func nonLoopbackNeedsKeys() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let wildcard = "tcp://0.0.0.0:\(cluster.port)"
        let refused = try drover(["coordinator", "--bind", wildcard, "--data-dir", cluster.dataDir])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("refusing to bind \(wildcard) without CURVE keys"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--curve-secret") && refused.stderr.contains("--insecure"))
        let up = try drover(["up", "--bind", wildcard, "--data-dir", cluster.dataDir])
        #expect(up.status == 2)

        let insecure = try DroverProcess(["coordinator", "--bind", wildcard, "--data-dir", cluster.dataDir, "--insecure"],
                                         name: "insecure", in: cluster.dir)
        defer { insecure.stop() }
        try cluster.waitForStatus { $0.aliveWorkers == 0 }
    }
}

/// The Z85 line of a secret key file (to check it never appears in output).
func secretLine(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first { !$0.hasPrefix("#") }.map(String.init) ?? "?"
}
