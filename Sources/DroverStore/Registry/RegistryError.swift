/// Registry errors: what, which model or version, and what to do.
public enum RegistryError: Error, Equatable, CustomStringConvertible {
    case unknownModel(String, known: [String])
    case unknownVersion(model: String, version: Int, latest: Int?)
    case unknownAlias(model: String, alias: String, known: [String])
    case invalidAlias(String, reason: String)
    case invalidModelName(String)
    case verdictRequired(model: String, version: Int)
    case unknownVerdict(id: Int64, model: String, version: Int)
    case reasonRequired(model: String, version: Int)
    case nothingToRollBack(model: String, alias: String)
    case championNeedsPromotion
    case storage(String)

    public var description: String {
        switch self {
        case .unknownModel(let m, let known):
            "no model named '\(m)'" + (known.isEmpty ? "; the registry is empty" : "; known models: \(known.joined(separator: ", "))")
        case .unknownVersion(let m, let v, let latest):
            "model \(m) has no version \(v)" + (latest.map { "; versions are 1…\($0)" } ?? "")
        case .unknownAlias(let m, let a, let known):
            "model \(m) has no alias '\(a)'" + (known.isEmpty ? "; it has no aliases yet" : "; its aliases: \(known.joined(separator: ", "))")
        case .invalidAlias(let a, let reason):
            "invalid alias '\(a)': \(reason)"
        case .invalidModelName(let m):
            "invalid model name '\(m)': use 1–255 letters, digits, '_', '-' or '.'"
        case .verdictRequired(let m, let v):
            "\(m) version \(v) has no passing verdict; promote it through a pipeline, or force it with --reason \"why\""
        case .unknownVerdict(let id, let m, let v):
            "verdict \(id) is not a verdict on \(m) version \(v)"
        case .reasonRequired(let m, let v):
            "forcing \(m) version \(v) without a passing verdict needs a non-empty --reason"
        case .nothingToRollBack(let m, let a):
            "\(m)@\(a) has no earlier version to roll back to"
        case .championNeedsPromotion:
            "the champion alias moves only by promotion (a passing verdict, or forced with --reason) or rollback"
        case .storage(let why):
            "registry storage error: \(why). Check free disk space and permissions."
        }
    }
}
