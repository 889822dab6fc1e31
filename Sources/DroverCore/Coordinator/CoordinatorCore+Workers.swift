import DroverProtocol

extension CoordinatorCore {
    /// A decoded message from a worker. Every message counts as a heartbeat.
    public mutating func workerMessage(from peer: [UInt8], _ message: WorkerMessage, now: Int64) {
        if case .hello(let hello) = message {
            onHello(peer, hello, now: now)
            return
        }
        guard workers[peer] != nil else {
            // No session (never said HELLO, declared dead, said BYE, or a coordinator restart):
            // counted and answered ERROR unknownWorker, then DISCONNECT so the worker says HELLO
            // again. Its results are still judged by their lease tokens (and acknowledged).
            rejectedFrames += 1
            if case .results(_, let results) = message { onResults(peer, results, now: now) }
            effects.toWorkers.append((peer, .error(.unknownWorker, "no session for this connection; send HELLO")))
            effects.toWorkers.append((peer, .disconnect(reason: "unknown worker; send HELLO")))
            return
        }
        workers[peer]!.lastSeenMs = now
        workers[peer]!.liveness = .alive
        switch message {
        case .hello: break
        case .credit(let n):
            addCredit(peer, n)
        case .started(let leases):
            for l in leases {
                guard let i = index(l.jobID), jobs[i].token == l.token, jobs[i].state == .assigned else { continue }
                setState(l.jobID, .running, cause: .started, at: now)
            }
        case .results(let credit, let results):
            addCredit(peer, credit)
            onResults(peer, results, now: now)
        case .heartbeat:
            break
        case .bye(let leases):
            let handed = Set(leases.map(\.jobID))
            let entry = workers.removeValue(forKey: peer)!
            for (id, token) in entry.outstanding.sorted(by: { $0.key < $1.key }) {
                requeueLost(id, token: token, cause: handed.contains(id) ? .handedBack : nil, now: now)
            }
        }
    }

    mutating func addCredit(_ peer: [UInt8], _ n: UInt32) {
        // Bounded: a worker cannot claim more than a million slots.
        workers[peer]!.credit = min(workers[peer]!.credit + Int(n), 1_000_000)
    }

    mutating func onHello(_ peer: [UInt8], _ hello: WorkerMessage.Hello, now: Int64) {
        let held = Dictionary(hello.held.map { ($0.jobID, $0.token) }, uniquingKeysWith: { a, _ in a })
        var previous = workers.removeValue(forKey: peer)
        if previous == nil, let old = workers.first(where: { $0.value.name == hello.name })?.key {
            // The same worker on a new connection: a new socket gets a new routing id, so the old
            // entry must go too, or its death would later re-queue the attempts re-attached here.
            previous = workers.removeValue(forKey: old)
        }
        if let previous {
            // Same worker reconnecting: attempts it no longer holds were lost with its old session.
            for (id, token) in previous.outstanding.sorted(by: { $0.key < $1.key }) where held[id] != token {
                requeueLost(id, token: token, cause: nil, now: now)
            }
        }
        let nameIdx = intern(hello.name)
        var entry = WorkerEntry(peer: peer, name: hello.name, nameIndex: nameIdx, slots: Int(hello.slots),
                                tags: Set(hello.tags), credit: min(Int(hello.credit), 1_000_000), now: now)
        var stale: [Lease] = []
        for lease in hello.held {
            guard let i = index(lease.jobID) else { continue }
            let job = jobs[i]
            if !job.state.isTerminal, job.token == lease.token, job.token != 0 {
                entry.outstanding[lease.jobID] = lease.token
                if jobs[i].workerName != nameIdx || unclaimed.contains(lease.jobID) {
                    jobs[i].workerName = nameIdx
                    unclaimed.remove(lease.jobID)
                    appendTransition(lease.jobID, state: job.state, cause: .reattachedAfterRestart, at: now)
                }
            } else if !((job.state == .succeeded || job.state == .failed) && job.attempt == lease.attempt) {
                // Only the attempt whose own result was committed is left alone (the worker merely
                // holds an unacknowledged result). An attempt of a job cancelled or timed out by the
                // coordinator may still be running there: tell it to stop.
                stale.append(lease)
            }
        }
        workers[peer] = entry
        effects.toWorkers.append((peer, .welcome(.init(
            epoch: epoch, heartbeatMs: UInt32(config.heartbeatMs), liveness: UInt32(config.liveness),
            leaseMs: UInt32(config.leaseMs)))))
        if !stale.isEmpty { effects.toWorkers.append((peer, .cancel(stale))) }
    }

    mutating func onResults(_ peer: [UInt8], _ results: [AttemptResult], now: Int64) {
        for result in results {
            let l = result.lease
            if workers[peer]?.outstanding[l.jobID] == l.token {
                workers[peer]!.outstanding[l.jobID] = nil
                workers[peer]!.completed += 1
            }
            pendingAcks[peer, default: []].append(l)
            guard let i = index(l.jobID), !jobs[i].state.isTerminal, jobs[i].token == l.token, l.token != 0 else {
                discardedResults += 1
                continue
            }
            let job = jobs[i]
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
        guard let i = index(id), !jobs[i].state.isTerminal, jobs[i].token == token, token != 0 else { return }
        if let cause {
            record(.requeued(id, cause: cause, readyAtMs: now, message: "", atMs: now))
        } else if jobs[i].state == .running {
            if jobs[i].workerLosses + 1 >= config.poisonThreshold {
                record(.requeued(id, cause: .workerLost, readyAtMs: now + 1, message: "", atMs: now))
                record(.held(id, cause: .poison, atMs: now))
            } else {
                record(.requeued(id, cause: .workerLost, readyAtMs: now, message: "", atMs: now))
            }
        } else {
            record(.requeued(id, cause: .requeuedFromLostWorker, readyAtMs: now, message: "", atMs: now))
        }
    }
}
