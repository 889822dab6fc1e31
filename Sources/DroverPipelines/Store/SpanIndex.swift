import DroverArtifacts
import DroverCoordinator
import DroverCore
import DroverStore

/// The datasets' spans in memory, so the coordinator's socket thread can resolve a run's inputs
/// and number a new span without touching SQLite. The metadata store (`dataset_spans`) is the
/// record; this index is loaded from it at start-up and changed only after the store committed.
struct SpanIndex: Sendable {
    private(set) var datasets: [String: [SpanInput]] = [:]

    init() {}

    /// From the store's spans; each span's size comes from its artifact.
    init(_ spans: [DatasetSpan], artifacts: ArtifactStore) throws {
        for s in spans.sorted(by: { ($0.dataset, $0.span) < ($1.dataset, $1.span) }) {
            let ref = try artifacts.ref(for: try ArtifactDigest(parsing: s.digest))
            datasets[s.dataset, default: []].append(SpanInput(dataset: s.dataset, span: s.span, digest: ref.description, size: ref.size))
        }
    }

    /// The span this artifact would be: the existing one for the same bytes (nothing is
    /// overwritten), or the next number.
    func proposed(dataset: String, ref: ArtifactRef) -> (span: SpanInput, isNew: Bool) {
        if let existing = datasets[dataset]?.first(where: { $0.digest == ref.description }) { return (existing, false) }
        return (SpanInput(dataset: dataset, span: (datasets[dataset]?.count ?? 0) + 1, digest: ref.description, size: ref.size), true)
    }

    mutating func add(_ span: SpanInput) {
        datasets[span.dataset, default: []].append(span)
    }

    /// The dataset a span artifact belongs to (by `sha256:` digest).
    func dataset(ofDigest digest: String) -> String? {
        for (name, spans) in datasets where spans.contains(where: { Artifacts.digest($0.digest) == digest }) { return name }
        return nil
    }

    func span(_ use: DatasetUse) throws(PipelineRefusal) -> SpanInput {
        guard let spans = datasets[use.dataset], !spans.isEmpty else {
            let known = datasets.keys.sorted()
            throw PipelineRefusal(code: .notFound, "dataset '\(use.dataset)' has no spans; add one with `drover data add \(use.dataset) FILE.csv`"
                + (known.isEmpty ? "" : " (datasets: \(known.joined(separator: ", ")))"))
        }
        switch use.span {
        case .latest: return spans[spans.count - 1]
        case .number(let n):
            guard n >= 1, n <= spans.count else {
                throw PipelineRefusal(code: .notFound, "dataset '\(use.dataset)' has spans 1–\(spans.count), not \(n)")
            }
            return spans[n - 1]
        }
    }
}

/// Artifact references in the two spellings: jobs carry `sha256:<hex>:<size>` (a reference),
/// the metadata store and the registry key artifacts by `sha256:<hex>` (a digest).
enum Artifacts {
    /// The digest of a reference (`sha256:<hex>`); text that is not a reference is returned as is.
    static func digest(_ reference: String) -> String {
        (try? ArtifactRef(parsing: reference))?.digest.description ?? reference
    }

    static func size(_ reference: String) -> Int64 {
        (try? ArtifactRef(parsing: reference))?.size ?? 0
    }

    /// `a,b,c` lists of references (features shards) and single references alike.
    static func references(_ value: String) -> [String] {
        value.split(separator: ",").map(String.init).filter { $0.hasPrefix("sha256:") }
    }
}
