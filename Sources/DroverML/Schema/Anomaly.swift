/// One finding of `DataValidator`: what kind (TFDV's anomaly names, so TFX users can read it),
/// how serious, which column, and a sentence for humans.
public struct Anomaly: Codable, Sendable, Equatable {
    /// Anomaly kinds, named as in tensorflow_metadata `anomalies.proto`.
    public enum Kind: String, Codable, Sendable {
        case schemaMissingColumn = "SCHEMA_MISSING_COLUMN"
        case schemaNewColumn = "SCHEMA_NEW_COLUMN"
        case unexpectedDataType = "UNEXPECTED_DATA_TYPE"
        case lowFractionPresent = "FEATURE_TYPE_LOW_FRACTION_PRESENT"
        case notPresent = "FEATURE_TYPE_NOT_PRESENT"
        case smallFloat = "FLOAT_TYPE_SMALL_FLOAT"
        case bigFloat = "FLOAT_TYPE_BIG_FLOAT"
        case hasInfinite = "FLOAT_TYPE_HAS_INF"
        case unexpectedStringValues = "ENUM_TYPE_UNEXPECTED_STRING_VALUES"
        case lowNumExamples = "DATASET_LOW_NUM_EXAMPLES"
        case drift = "COMPARATOR_DRIFT_HIGH"
        case datasetDrift = "DATASET_DRIFT"
    }

    public var kind: Kind
    public var severity: Severity
    /// The column, or nil for dataset-level anomalies.
    public var column: String?
    public var description: String

    public init(_ kind: Kind, _ severity: Severity, column: String?, _ description: String) {
        self.kind = kind
        self.severity = severity
        self.column = column
        self.description = description
    }
}
