/// A human-editable, versioned data schema in the manner of TensorFlow Data Validation:
/// what columns a dataset must have and what their values may be. Stored as JSON:
///
/// ```json
/// { "version": 1, "minRows": 1,
///   "features": [
///     { "name": "distance", "type": "numeric", "required": true,
///       "presence": { "minFraction": 1 },
///       "range": { "min": 0, "max": 99.5, "severity": "warning" }, "allowInfinite": false },
///     { "name": "company", "type": "categorical", "categories": ["Flash Cab", "other"],
///       "minDomainMass": 1 },
///     { "name": "tip", "type": "boolean", "drift": { "method": "jensenshannon", "threshold": 0.1 } } ] }
/// ```
/// Every field but `version`, `features[].name` and `features[].type` may be omitted.
public struct Schema: Codable, Sendable, Equatable {
    /// The only version this build reads; bump on incompatible changes.
    public static let currentVersion = 1

    public var version: Int = Schema.currentVersion
    /// Fewer rows than this is a `DATASET_LOW_NUM_EXAMPLES` error.
    public var minRows: Int = 1
    public var features: [FeatureSchema]

    public init(minRows: Int = 1, features: [FeatureSchema]) {
        self.minRows = minRows
        self.features = features
    }

    public func feature(named name: String) -> FeatureSchema? { features.first { $0.name == name } }

    enum CodingKeys: String, CodingKey { case version, minRows, features }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        minRows = try c.decodeIfPresent(Int.self, forKey: .minRows) ?? 1
        features = try c.decode([FeatureSchema].self, forKey: .features)
    }
}

/// Constraints on one column.
public struct FeatureSchema: Codable, Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    /// A missing required column is an error; a missing optional one is not reported.
    public var required: Bool = true
    public var presence = Presence()
    /// Numeric columns: allowed value range (finite values).
    public var range: NumericRange?
    /// Numeric columns: whether ±inf may appear (`FLOAT_TYPE_HAS_INF` otherwise).
    public var allowInfinite = false
    /// Categorical columns: the value domain; nil = any value.
    public var categories: [String]?
    /// Share of present values that must lie in `categories` (TFDV `min_domain_mass`, default 1):
    /// below it unexpected values are an error, otherwise a warning.
    public var minDomainMass: Double = 1
    /// Drift test override for this column (method and threshold); nil = Evidently's default rule.
    public var drift: DriftSetting?

    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }

    enum CodingKeys: String, CodingKey {
        case name, type, required, presence, range, allowInfinite, categories, minDomainMass, drift
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        type = try c.decode(ColumnType.self, forKey: .type)
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? true
        presence = try c.decodeIfPresent(Presence.self, forKey: .presence) ?? Presence()
        range = try c.decodeIfPresent(NumericRange.self, forKey: .range)
        allowInfinite = try c.decodeIfPresent(Bool.self, forKey: .allowInfinite) ?? false
        categories = try c.decodeIfPresent([String].self, forKey: .categories)
        minDomainMass = try c.decodeIfPresent(Double.self, forKey: .minDomainMass) ?? 1
        drift = try c.decodeIfPresent(DriftSetting.self, forKey: .drift)
    }
}

/// TFDV `presence`: the least share of rows that must have a value.
public struct Presence: Codable, Sendable, Equatable {
    public var minFraction: Double = 0
    public init(minFraction: Double = 0) { self.minFraction = minFraction }
}

/// Allowed finite values of a numeric column and how serious a value outside is.
public struct NumericRange: Codable, Sendable, Equatable {
    public var min: Double?
    public var max: Double?
    /// Inferred ranges are `warning`: new data legitimately exceeds the training range a little.
    public var severity: Severity = .warning

    public init(min: Double?, max: Double?, severity: Severity = .warning) {
        self.min = min
        self.max = max
        self.severity = severity
    }

    enum CodingKeys: String, CodingKey { case min, max, severity }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        min = try c.decodeIfPresent(Double.self, forKey: .min)
        max = try c.decodeIfPresent(Double.self, forKey: .max)
        severity = try c.decodeIfPresent(Severity.self, forKey: .severity) ?? .warning
    }
}

/// How serious an anomaly is; `error` blocks a pipeline (exit code 3 in the CLI).
public enum Severity: String, Codable, Sendable, Comparable {
    case warning, error

    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
}
