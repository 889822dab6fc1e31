import DroverProtocol

/// The answer to a control command (cancel, release).
public enum ControlResult: Equatable, Sendable {
    case done(JobState)
    case notFound
    case invalid(String)
}

extension CoordinatorCore {
    /// Cancels a job. A queued one simply ends; a running one ends at once in the journal
    /// and its worker is told to stop (its late report is discarded by the fencing token).
    public mutating func cancel(_ id: JobID, now: Int64) -> (result: ControlResult, effects: Effects) {
        if let state = table.evictedState(id) { return (.invalid("job \(id) already ended: \(state.name)"), finish()) }
        guard let job = table.job(id) else { return (.notFound, finish()) }
        if job.state.isTerminal { return (.invalid("job \(id) already ended: \(job.state.name)"), finish()) }
        let lease = Lease(jobID: id, attempt: job.attempt, token: job.token)
        record(.cancelled(id, atMs: now))
        if lease.token != 0 { sendCancel(lease) }
        return (.done(.cancelled), finish())
    }

    /// Releases a held (poison) job back to the queue.
    public mutating func release(_ id: JobID, now: Int64) -> (result: ControlResult, effects: Effects) {
        if let state = table.evictedState(id) { return (.invalid("job \(id) is \(state.name), not held"), finish()) }
        guard let job = table.job(id) else { return (.notFound, finish()) }
        guard job.state == .held else { return (.invalid("job \(id) is \(job.state.name), not held"), finish()) }
        record(.released(id, atMs: now))
        return (.done(.queued), finish())
    }

    /// Counts a frame that could not be decoded and answers ERROR on the worker socket, with the
    /// code of the failure (unsupported version 2, unknown command 3, anything else malformed 1).
    public mutating func rejectWorkerFrame(from peer: [UInt8], _ error: DecodeError) -> Effects {
        rejectedFrames += 1
        out.toWorkers.append((peer, .error(error.code, error.description)))
        return finish()
    }

    /// Counts a frame that could not be decoded and answers ERROR on the client socket.
    public mutating func rejectClientFrame(from peer: [UInt8], _ error: DecodeError) -> Effects {
        rejectedFrames += 1
        out.toClients.append((peer, .error(requestID: 0, error.code, error.description)))
        return finish()
    }

    /// Counts frames the shell rejected before decoding (wrong frame count).
    public mutating func rejectedFramesFromShell(_ n: Int) {
        rejectedFrames += n
    }
}
