import DroverArtifacts
import DroverStore

/// What the HTTP API reads and acts on: the coordinator (through typed queries and commands,
/// like the CLI), the metadata store and registry, the token store and the event hub.
public struct APIBackend: Sendable {
    public let link: CoordinatorLink
    public let metadata: MetadataStore
    public let registry: ModelRegistry
    public let access: AccessStore
    public let events: EventHub
    /// The artifact store (statistics for drift reports); none: drift reports answer 503.
    public let artifacts: ArtifactStore?
    /// The coordinator's journal, when this process can read it: per-job events come from it
    /// (`JobEventTail`); without it they are sampled from the newest jobs.
    public let journalPath: String?

    public init(link: CoordinatorLink, metadata: MetadataStore, events: EventHub, artifacts: ArtifactStore? = nil, journalPath: String? = nil) {
        self.link = link
        self.journalPath = journalPath
        self.artifacts = artifacts
        self.metadata = metadata
        registry = ModelRegistry(store: metadata)
        access = AccessStore(store: metadata)
        self.events = events
    }

    var auth: APIAuth { APIAuth(access: access) }
}
