import DroverProtocol

/// What the coordinator shell must do after feeding events to the core: first make
/// `journal` durable, then send the messages (write before acknowledging).
public struct Effects: Sendable {
    public var journal: [JournalRecord] = []
    public var toWorkers: [(peer: [UInt8], message: CoordinatorMessage)] = []
    public var toClients: [(peer: [UInt8], reply: ClientReply)] = []

    public init() {}

    public var isEmpty: Bool { journal.isEmpty && toWorkers.isEmpty && toClients.isEmpty }
}
