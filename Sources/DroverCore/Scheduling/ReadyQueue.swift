import DroverProtocol

/// Jobs ready to dispatch, by priority and by the set of resource tags they need.
///
/// A worker takes the oldest job (lowest id) among the queues of the highest non-empty
/// priority whose tag set it offers. Entries are removed lazily: the caller checks the
/// job is still queued (a cancelled job's entry is skipped when reached).
public struct ReadyQueue: Sendable {
    /// Canonical tag set: sorted, joined with ",". "" = no requirements.
    public typealias TagKey = String

    private var lanes: [[TagKey: Fifo]] = Array(repeating: [:], count: Priority.allCases.count)
    /// Each tag key split once (on first push), so matching a worker does not re-split strings.
    private var tagLists: [TagKey: [String]] = [:]

    public init() {}

    public static func key(for tags: [String]) -> TagKey {
        tags.isEmpty ? "" : tags.sorted().joined(separator: ",")
    }

    public mutating func push(_ id: JobID, priority: Priority, tags: TagKey) {
        if !tags.isEmpty, tagLists[tags] == nil { tagLists[tags] = tags.split(separator: ",").map(String.init) }
        lanes[Int(priority.rawValue)][tags, default: Fifo()].push(id)
    }

    /// Pops the next entry a worker offering `offered` may take. `satisfies` caches
    /// whether a tag key is within the worker's tags.
    public mutating func pop(offering offered: Set<String>) -> JobID? {
        for p in 0..<lanes.count where !lanes[p].isEmpty {
            var best: (key: TagKey, id: JobID)?
            for (key, fifo) in lanes[p] {
                guard let head = fifo.first, allows(key, offered) else { continue }
                if best == nil || head < best!.id { best = (key, head) }
            }
            if let best {
                _ = lanes[p][best.key]!.pop()
                if lanes[p][best.key]!.isEmpty { lanes[p][best.key] = nil }
                return best.id
            }
        }
        return nil
    }

    /// True when a worker offering `offered` could take some entry (possibly a stale one).
    public func hasWork(offering offered: Set<String>) -> Bool {
        lanes.contains { lane in lane.keys.contains { allows($0, offered) } }
    }

    func allows(_ key: TagKey, _ offered: Set<String>) -> Bool {
        if key.isEmpty { return true }
        guard let tags = tagLists[key] else { return false }
        return tags.allSatisfy(offered.contains)
    }
}
