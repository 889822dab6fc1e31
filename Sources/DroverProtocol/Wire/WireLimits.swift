/// Hard limits on what a peer may send. A frame above these is rejected with an error
/// reply before anything is allocated for it (hostile-input rule: bounded everything).
public enum WireLimits {
    /// Largest frame accepted (also set as ZMQ_MAXMSGSIZE on every socket): 16 MiB.
    public static let maxFrameBytes = 16 << 20
    /// Longest string field (kind names, parameter values, error messages): 64 KiB.
    public static let maxStringBytes = 64 << 10
    /// Most jobs, results or ids in one batch message.
    public static let maxBatch = 65_536
    /// Most entries in a parameter or metric map.
    public static let maxMapEntries = 1_024
    /// Most tags or other list entries.
    public static let maxListCount = 1_024
}
