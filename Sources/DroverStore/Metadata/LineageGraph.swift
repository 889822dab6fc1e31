import GRDB

/// Everything upstream of an artifact: the executions (run, step) that wrote it, what they read,
/// and so on back to the dataset spans. Executions may belong to earlier runs when a step was
/// served from cache.
public struct LineageGraph: Sendable, Codable, Hashable {
    public struct Execution: Sendable, Codable, Hashable {
        public var runID: String
        public var step: String
        public var kind: String?
        public var reads: [String]
        public var writes: [String]
    }

    public struct Node: Sendable, Codable, Hashable {
        public var digest: String
        public var artifact: ArtifactRecord?
        /// Set when the artifact is a dataset span.
        public var span: DatasetSpan?
        /// The executions that wrote it (normally one).
        public var producedBy: [String]
    }

    /// Artifacts in discovery order from the root (the root first).
    public var artifacts: [Node]
    /// Executions keyed `run/step`, in discovery order.
    public var executions: [Execution]

    public var digests: Set<String> { Set(artifacts.map(\.digest)) }
}

extension MetadataStore {
    /// Walks the lineage edges upstream from `digest` (breadth first, each node once).
    public func upstream(of digest: String, maxNodes: Int = 10_000) async throws -> LineageGraph {
        try await pool.read { db in
            var nodes: [LineageGraph.Node] = []
            var executions: [LineageGraph.Execution] = []
            var seenDigests: Set<String> = [digest]
            var seenExecutions: Set<String> = []
            var frontier = [digest]
            while !frontier.isEmpty, nodes.count < maxNodes {
                let d = frontier.removeFirst()
                let writers = try Row.fetchAll(db, sql: "SELECT run_id, step FROM lineage WHERE digest = ? AND direction = 'wrote' ORDER BY at",
                                               arguments: [d]).map { (run: $0[0] as String, step: $0[1] as String) }
                nodes.append(LineageGraph.Node(
                    digest: d,
                    artifact: try Row.fetchOne(db, sql: "SELECT * FROM artifacts WHERE digest = ?", arguments: [d]).map(MetadataStore.artifact),
                    span: try Row.fetchOne(db, sql: "SELECT * FROM dataset_spans WHERE digest = ? ORDER BY created_at LIMIT 1",
                                           arguments: [d]).map(MetadataStore.span),
                    producedBy: writers.map { "\($0.run)/\($0.step)" }))
                for w in writers where seenExecutions.insert("\(w.run)/\(w.step)").inserted {
                    let edges = try Row.fetchAll(db, sql: "SELECT digest, direction FROM lineage WHERE run_id = ? AND step = ? ORDER BY at, digest",
                                                 arguments: [w.run, w.step])
                    let reads = edges.filter { ($0[1] as String) == "read" }.map { $0[0] as String }
                    let writes = edges.filter { ($0[1] as String) == "wrote" }.map { $0[0] as String }
                    let kind = try String.fetchOne(db, sql: "SELECT kind FROM steps WHERE run_id = ? AND name = ?", arguments: [w.run, w.step])
                    executions.append(.init(runID: w.run, step: w.step, kind: kind, reads: reads, writes: writes))
                    for r in reads where seenDigests.insert(r).inserted { frontier.append(r) }
                }
            }
            return LineageGraph(artifacts: nodes, executions: executions)
        }
    }
}
