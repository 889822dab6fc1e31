import DroverCore
import DroverProtocol
import DroverStore
import Glibc
import Logging
import ZeroMQ

/// The coordinator's event loop on its socket thread: reads both ROUTER sockets in batches,
/// feeds the pure `CoordinatorCore`, commits the batch's journal records in one transaction
/// (group commit), and only then sends the replies and assignments (write before acknowledging).
final class CoordinatorHandler: SocketLoopHandler {
    typealias Message = Never

    let workers: ZMQSocket
    let clients: ZMQSocket
    /// Checks every CURVE handshake against the allow-lists (only with `options.security`).
    private(set) var zap: ZAPHandler?
    let storage: CoordinatorStorage
    var journal: SQLiteJournal { storage.journal }
    var core: CoordinatorCore
    /// The effects of the events read since the last commit (one group commit per batch).
    var batch = Effects()
    let clock = CoordinatorClock()
    let options: CoordinatorOptions
    let logger: Logger
    private var frame = Multipart()
    private(set) var undeliverable = 0
    /// Group commits, and the loop's compaction work outside them (starting one, taking its
    /// outcome, deleting covered rows, vacuuming): how many, wall and CPU time, reported at
    /// shutdown. What compaction can stall dispatch by.
    private var commitPauses = LoopPauses()
    var compactionLoopPauses = LoopPauses()
    var compactionPauses = CompactionPauses()
    private var failpoint = Failpoint()
    /// Closed worker connections (socket monitor) and the workers they belonged to.
    let disconnectMonitor: ZMQMonitor
    var disconnects: DisconnectWatch
    /// Background journal snapshots and the records committed since the last one started.
    var compactor: JournalCompactor
    var recordsSinceSnapshot = 0
    /// Jobs that ended (finished or cancelled records) since the last snapshot started.
    var endedSinceSnapshot = 0
    /// When the last group commit happened (loop clock, ms): a quiet journal compacts early.
    var lastCommitMs: Int64 = 0
    /// Set when a group commit failed: from then on nothing leaves the coordinator (fail-stop).
    private(set) var commitFailure: CoordinatorError?
    /// Command output streamed by workers (LOGS), kept beside the journal.
    let logs: LogStore
    /// `run` queries waiting for their run's next revision (CoordinatorHandler+RunWatch).
    var heldRuns: [HeldRunQuery] = []

    init(loop: SocketLoop, options: CoordinatorOptions, storage: CoordinatorStorage, logger: Logger) throws {
        self.options = options
        self.storage = storage
        compactor = Self.makeCompactor(journal: storage.journal, options: options, failpoint: Failpoint())
        self.logger = logger
        logs = LogStore(dataDirectory: options.dataDirectory)
        let common: [SocketOption] = [
            .maxMessageSize(Int64(WireLimits.maxFrameBytes)),
            .heartbeatInterval(.seconds(1)), .heartbeatTimeout(.seconds(3)), .heartbeatTTL(.seconds(5)),
        ]
        // Credits bound what is in flight to a worker, so the send queue needs no HWM of its own:
        // a dropped ASSIGN would strand a leased job until its worker died.
        let security = options.security
        let workerCurve = security?.socketOptions(domain: CoordinatorSecurity.workerDomain) ?? []
        let clientCurve = security?.socketOptions(domain: CoordinatorSecurity.clientDomain) ?? []
        workers = try loop.makeSocket(.router, options: common + workerCurve + [.routerMandatory(true),
                                                                                .sendHighWaterMark(0), .receiveHighWaterMark(0)])
        clients = try loop.makeSocket(.router, options: common + clientCurve + [.routerMandatory(true),
                                                                                .sendHighWaterMark(100_000)])
        disconnectMonitor = try Self.monitorDisconnects(of: workers, loop: loop)
        disconnects = DisconnectWatch(graceMs: options.disconnectGraceMs)
        if let security {
            // Bound before the ROUTERs so no handshake can happen without it.
            let zap = try ZAPHandler(context: loop.context, authorize: security.authorizer(logger: logger))
            loop.own(zap.socket)
            try loop.watch(zap.socket)
            self.zap = zap
        }
        var core = CoordinatorCore(config: options.core, seed: UInt64.random(in: 1...UInt64.max))
        do {
            batch = try core.recover(from: storage.journal, now: clock.nowMs)
        } catch {
            throw CoordinatorError.journalUnavailable(path: storage.journal.path, cause: error)
        }
        self.core = core
        try commitAndSend()
        try Self.bind(workers, options.workerEndpoint, role: "worker", flag: "--bind")
        try Self.bind(clients, options.clientEndpoint, role: "client", flag: "--client-bind (default: the --bind port + 1)")
        try loop.watch(workers)
        try loop.watch(clients)
        if let bell = options.pipelines?.changes { loop.watch(fd: bell.fileDescriptor) }
    }

    func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws {
        if let zap, socket === zap.socket {
            try zap.handleAll()
            return
        }
        if socket === disconnectMonitor.socket {
            try onDisconnectEvents()
            return
        }
        let isWorkerSocket = socket === workers
        let now = clock.nowMs
        var handled = 0
        // The principal decides HELLO names on the worker socket and who may submit command jobs.
        let readUserId = zap != nil
        while handled < options.batchBudget,
              try socket.receive(into: &frame, dontWait: true, readUserId: readUserId, readSourceFD: isWorkerSocket) {
            handled += 1
            guard frame.count == 2 else {
                core.rejectedFramesFromShell(1)
                continue
            }
            if let fd = frame.sourceFD { disconnects.heard(frame[0], on: fd) }
            let peer = Array(frame[0])
            let body = Array(frame[1])
            if isWorkerSocket {
                do throws(DecodeError) {
                    let message = try WorkerMessage.decode(body)
                    if readUserId, let refusal = CoordinatorSecurity.helloRefusal(message, principal: frame.userId) {
                        send(CoordinatorMessage.error(.forbidden, refusal).encode(), to: peer, on: workers)
                        continue
                    }
                    if case .logs(let chunks) = message {
                        let table = core.table
                        logs.append(chunks) { table.job($0.jobID)?.token == $0.token }
                    }
                    core.appending(to: &batch) { $0.workerMessage(from: peer, message, now: now) }
                } catch {
                    core.appending(to: &batch) { $0.rejectWorkerFrame(from: peer, error) }
                }
            } else {
                handleClient(peer: peer, body: body, principal: frame.userId, now: now)
            }
        }
        try commitAndSend()
    }

    func handleClient(peer: [UInt8], body: [UInt8], principal: String?, now: Int64) {
        let request: ClientRequest
        do throws(DecodeError) {
            request = try ClientRequest.decode(body)
        } catch {
            core.appending(to: &batch) { $0.rejectClientFrame(from: peer, error) }
            return
        }
        switch request {
        case .submit(let id, let watch, let jobs):
            if let refusal = CommandSubmission.refusal(jobs, principal: principal, security: options.security,
                                                       clientEndpoint: options.clientEndpoint) {
                batch.toClients.append((peer, .error(requestID: id, .forbidden, refusal)))
                return
            }
            core.appending(to: &batch) { $0.submit(from: peer, requestID: id, watch: watch, specs: jobs, now: now) }
        case .watch(_, let ids):
            core.appending(to: &batch) { $0.watch(from: peer, jobIDs: ids) }
        case .query(let id, let name, let body) where name == LogsQuery.name:
            let (code, reply) = answerLogs(body)
            batch.toClients.append((peer, .reply(requestID: id, code: code, body: reply)))
        case .query(let id, let name, let body) where name == RunQuery.name && holdRunQuery(peer: peer, requestID: id, body: body, now: now):
            break
        case .query(let id, let name, let body):
            let (code, reply) = QueryRouter.answer(query: name, body: body, core: &core, now: now,
                                                   journal: journal.summary, pipelines: options.pipelines)
            batch.toClients.append((peer, .reply(requestID: id, code: code, body: reply)))
        case .command(let id, let name, let body):
            let (code, reply) = QueryRouter.answer(command: name, body: body, core: &core, effects: &batch, now: now,
                                                   pipelines: options.pipelines)
            batch.toClients.append((peer, .reply(requestID: id, code: code, body: reply)))
        }
    }

    func onTick(now: ContinuousClock.Instant, loop: SocketLoop) throws {
        let nowMs = clock.nowMs
        checkDisconnects(now: nowMs)
        answerHeldRuns(expiredAt: nowMs)
        if commitFailure == nil { tendCompaction() }
        core.appending(to: &batch) { $0.tick(now: nowMs) }
        try commitAndSend()
    }

    /// Dispatches, then commits the batch: journal first (one transaction), then every message.
    ///
    /// A failed commit is fail-stop: memory is now ahead of disk, so the batch's messages are
    /// dropped, nothing is sent ever after (`commitFailure` guards every later call, including
    /// `onStop`) and the error ends the loop; the service exits non-zero with it.
    func commitAndSend() throws {
        if let commitFailure { throw commitFailure }
        let dispatchAt = clock.nowMs
        core.appending(to: &batch) { $0.dispatch(now: dispatchAt) }
        let effects = batch.coalesced()
        batch = Effects()
        if !effects.journal.isEmpty {
            let timer = PauseTimer()
            do {
                try failpoint.beforeCommit(path: journal.path)
                try journal.append(effects.journal)
            } catch {
                let failure = CoordinatorError.journalCommitFailed(cause: error)
                commitFailure = failure
                logger.critical("coordinator.journal.commit_failed", metadata: ["error": "\(error)"])
                throw failure
            }
            commitPauses.add(timer.elapsed)
            failpoint.afterCommit()
            noteCommitted(records: effects.journal)
        }
        // Latency order: work first (WELCOME and ASSIGN, in that order, so a session's WELCOME
        // always precedes its first ASSIGN), then answers to clients (SUBMITTED, DONE), then the
        // rest for workers (acks, heartbeats), which nobody waits on.
        for (peer, message) in effects.toWorkers where message.startsWork { send(message.encode(), to: peer, on: workers) }
        for (peer, reply) in effects.toClients { send(reply.encode(), to: peer, on: clients) }
        for (peer, message) in effects.toWorkers where !message.startsWork { send(message.encode(), to: peer, on: workers) }
        if !effects.journal.isEmpty { deleteCoveredRowsAfterCommit(appended: effects.journal.count) }
    }

    private func send(_ body: [UInt8], to peer: [UInt8], on socket: ZMQSocket) {
        do {
            if try !socket.send([peer, body], dontWait: true) { undeliverable += 1 }
        } catch {
            // EHOSTUNREACH: the peer disconnected. Workers recover through HELLO and leases,
            // clients through their own timeouts and idempotency keys.
            undeliverable += 1
        }
    }

    func onStop(loop: SocketLoop) {
        logger.info("coordinator.journal.stats", metadata: [
            "commits": "\(commitPauses.count)", "commit.avg": "\(commitPauses.average)", "commit.max": "\(commitPauses.longest)",
            "compaction.loop.max": "\(compactionLoopPauses.longest)", "compaction.start": "\(compactionPauses.start.summary)",
            "compaction.truncate": "\(compactionPauses.truncate.summary)", "compaction.vacuum": "\(compactionPauses.vacuum.summary)",
            "commit.pauses": "\(commitPauses.summary)", "compaction.pauses": "\(compactionLoopPauses.summary)",
            "undeliverable": "\(undeliverable)",
            "rejected_frames": "\(core.rejectedFrames)", "discarded_results": "\(core.discardedResults)",
        ])
        // After a failed commit nothing more may be written or sent: the journal is left as it is.
        guard commitFailure == nil else { return }
        do {
            try commitAndSend()
            try journal.checkpoint()
        } catch {
            logger.error("coordinator.stop.flush_failed", metadata: ["error": "\(error)"])
        }
    }
}

extension CoordinatorMessage {
    /// WELCOME and ASSIGN: sent before everything else of a batch.
    var startsWork: Bool {
        switch self {
        case .welcome, .assign: return true
        default: return false
        }
    }
}

extension CoordinatorHandler {
    /// Binds with an error that says what to do when the address is taken or invalid.
    static func bind(_ socket: ZMQSocket, _ endpoint: String, role: String, flag: String) throws {
        do {
            _ = try socket.bind(endpoint)
        } catch where error.code == EADDRINUSE {
            throw CoordinatorError.addressInUse(role: role, endpoint: endpoint, flag: flag)
        } catch {
            throw CoordinatorError.cannotBind(role: role, endpoint: endpoint, flag: flag, cause: error)
        }
    }
}
