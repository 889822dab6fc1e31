import DroverProtocol

extension CoordinatorCore {
    /// A decoded message from a worker. Every message counts as a heartbeat.
    public mutating func workerMessage(from peer: [UInt8], _ message: WorkerMessage, now: Int64) -> Effects {
        if case .hello(let hello) = message {
            onHello(peer, hello, now: now)
            return finish()
        }
        guard members.heard(peer, now: now) else {
            // No session (never said HELLO, declared dead, said BYE, or a coordinator restart):
            // counted and answered ERROR unknownWorker, then DISCONNECT so the worker says HELLO
            // again. Its results are still judged by their lease tokens (and acknowledged).
            rejectedFrames += 1
            if case .results(_, let results) = message { onResults(peer, results, now: now) }
            out.toWorkers.append((peer, .error(.unknownWorker, "no session for this connection; send HELLO")))
            out.toWorkers.append((peer, .disconnect(reason: "unknown worker; send HELLO")))
            return finish()
        }
        switch message {
        case .hello, .heartbeat, .logs: break // LOGS are kept by the shell (LogStore), outside the journal
        case .credit(let n):
            members.addCredit(peer, n)
        case .started(let leases):
            for l in leases {
                guard let i = table.index(l.jobID), table.jobs[i].token == l.token, table.jobs[i].state == .assigned else { continue }
                table.setState(l.jobID, .running, cause: .started, at: now)
            }
        case .results(let credit, let results):
            members.addCredit(peer, credit)
            onResults(peer, results, now: now)
        case .bye(let leases):
            let handed = Set(leases.map(\.jobID))
            let entry = members.leave(peer)!
            for (id, token) in entry.outstanding.sorted(by: { $0.key < $1.key }) {
                requeueLost(id, token: token, cause: handed.contains(id) ? .handedBack : nil, now: now)
            }
        }
        return finish()
    }

    mutating func onHello(_ peer: [UInt8], _ hello: WorkerMessage.Hello, now: Int64) {
        let held = Dictionary(hello.held.map { ($0.jobID, $0.token) }, uniquingKeysWith: { a, _ in a })
        // The same worker on a new connection: a new socket gets a new routing id, so the old
        // entry must go too, or its death would later re-queue the attempts re-attached here.
        let previous = members.leave(peer) ?? members.peer(named: hello.name).flatMap { members.leave($0) }
        if let previous {
            // Same worker reconnecting: attempts it no longer holds were lost with its old session.
            for (id, token) in previous.outstanding.sorted(by: { $0.key < $1.key }) where held[id] != token {
                requeueLost(id, token: token, cause: nil, now: now)
            }
        }
        let nameIdx = table.intern(hello.name)
        var entry = WorkerEntry(peer: peer, name: hello.name, nameIndex: nameIdx, slots: Int(hello.slots),
                                tags: Set(hello.tags), credit: min(Int(hello.credit), 1_000_000), now: now)
        var stale: [Lease] = []
        for lease in hello.held {
            guard let i = table.index(lease.jobID) else { continue }
            let job = table.jobs[i]
            if !job.state.isTerminal, job.token == lease.token, job.token != 0 {
                entry.outstanding[lease.jobID] = lease.token
                if job.workerName != nameIdx || unclaimed.contains(lease.jobID) {
                    table.jobs[i].workerName = nameIdx
                    unclaimed.remove(lease.jobID)
                    table.appendTransition(lease.jobID, state: job.state, cause: .reattachedAfterRestart, at: now)
                }
            } else if !((job.state == .succeeded || job.state == .failed) && job.attempt == lease.attempt) {
                // Only the attempt whose own result was committed is left alone (the worker merely
                // holds an unacknowledged result). An attempt of a job cancelled or timed out by the
                // coordinator may still be running there: tell it to stop.
                stale.append(lease)
            }
        }
        members.join(entry)
        out.toWorkers.append((peer, .welcome(.init(
            epoch: epoch, heartbeatMs: UInt32(config.heartbeatMs), liveness: UInt32(config.liveness),
            leaseMs: UInt32(config.leaseMs)))))
        if !stale.isEmpty { out.toWorkers.append((peer, .cancel(stale))) }
    }

    mutating func onResults(_ peer: [UInt8], _ results: [AttemptResult], now: Int64) {
        members.settle(results.lazy.map(\.lease), from: peer)
        for result in results {
            let l = result.lease
            acknowledge(l, to: peer)
            guard let i = table.index(l.jobID), !table.jobs[i].state.isTerminal, table.jobs[i].token == l.token, l.token != 0 else {
                discardedResults += 1
                continue
            }
            let job = table.jobs[i]
            switch result.outcome {
            case .succeeded:
                if !result.outputs.isEmpty { record(.outputs(l.jobID, result.outputs)) }
                record(.finished(l.jobID, attempt: l.attempt, state: .succeeded, metrics: result.metrics,
                                 message: "", atMs: now))
            case .failed:
                if job.appFailures < job.spec.maxRetries {
                    let unit = Double(rng.next() >> 11) / Double(1 << 53)
                    let delay = config.backoff.delayMs(failures: Int(job.appFailures) + 1, unit: unit)
                    record(.requeued(l.jobID, cause: .retryAfterFailure, readyAtMs: now + max(delay, 1),
                                     message: result.message, atMs: now))
                } else {
                    record(.finished(l.jobID, attempt: l.attempt, state: .failed, metrics: result.metrics,
                                     message: result.message, atMs: now))
                }
            case .timedOut:
                record(.finished(l.jobID, attempt: l.attempt, state: .timedOut, metrics: result.metrics,
                                 message: result.message.isEmpty ? "timed out" : result.message, atMs: now))
            case .cancelled, .handedBack:
                record(.requeued(l.jobID, cause: .handedBack, readyAtMs: now, message: "", atMs: now))
            }
        }
    }

    /// Re-queues an attempt whose worker is gone, if that attempt is still the job's current
    /// one. A job that was running counts a worker loss (poison after `poisonThreshold`).
    mutating func requeueLost(_ id: JobID, token: UInt64, cause: Cause?, now: Int64) {
        guard let job = table.job(id), !job.state.isTerminal, job.token == token, token != 0 else { return }
        if let cause {
            record(.requeued(id, cause: cause, readyAtMs: now, message: "", atMs: now))
        } else if job.state == .running {
            if job.workerLosses + 1 >= config.poisonThreshold {
                record(.requeued(id, cause: .workerLost, readyAtMs: now + 1, message: "", atMs: now))
                record(.held(id, cause: .poison, atMs: now))
            } else {
                record(.requeued(id, cause: .workerLost, readyAtMs: now, message: "", atMs: now))
            }
        } else {
            record(.requeued(id, cause: .requeuedFromLostWorker, readyAtMs: now, message: "", atMs: now))
        }
    }

    /// Forgets a worker and re-queues every attempt it held.
    mutating func removeDeadWorker(_ peer: [UInt8], now: Int64) {
        guard let entry = members.leave(peer) else { return }
        for (id, token) in entry.outstanding.sorted(by: { $0.key < $1.key }) {
            requeueLost(id, token: token, cause: nil, now: now)
        }
    }

    /// The shell saw the worker's connection close at `closedAtMs` and, after a short grace, found
    /// its routing id unroutable. If the worker had been talking until then (heard from within
    /// `disconnectSilenceMs`), it died or exited: its attempts are re-queued now instead of at
    /// lease expiry. A connection that closed after a longer silence was timed out by the
    /// transport (a partition, a stopped process): the lease decides, so an attempt that may
    /// still be running is not started elsewhere early.
    public mutating func workerDisconnected(_ peer: [UInt8], closedAtMs: Int64, now: Int64) -> Effects {
        if let worker = members[peer], closedAtMs - worker.lastSeenMs <= config.disconnectSilenceMs {
            removeDeadWorker(peer, now: now)
        }
        return finish()
    }
}
