import Foundation
import Testing
@testable import DroverML

private func schemaError(_ json: String) -> DataError? {
    do { _ = try Schema.decode(Data(json.utf8), source: "s.json"); return nil } catch { return error }
}

@Test func schemaInferredFromJanuaryFlagsNothingOnJanuary() throws {
    let january = try monthRows(CSVReader.read(path: Fixtures.path("taxi.csv")), month: "Jan")
    let stats = DatasetStatistics.compute(january)
    let schema = Schema.infer(from: stats)
    #expect(DataValidator.validate(stats, schema: schema).isEmpty)
    #expect(schema.feature(named: "company")?.categories?.isEmpty == false)
    #expect(schema.feature(named: "distance")?.presence.minFraction == 1)
    // The schema survives its own JSON.
    let decoded = try Schema.decode(try schema.encoded())
    #expect(decoded == schema)
}

@Test func schemaFromJanuaryFlagsAprilMonthAsUnexpected() throws {
    let table = try CSVReader.read(path: Fixtures.path("taxi.csv"))
    let schema = Schema.infer(from: DatasetStatistics.compute(try monthRows(table, month: "Jan")))
    let anomalies = DataValidator.validate(DatasetStatistics.compute(try monthRows(table, month: "Apr")), schema: schema)
    let month = anomalies.first { $0.column == "month" }
    #expect(month?.kind == .unexpectedStringValues && month?.severity == .error)
    #expect(month?.description.contains("'Apr' (3178)") == true)
}

@Test func validatorReportsEachAnomalyKind() throws {
    var schema = Schema(minRows: 10, features: [
        FeatureSchema(name: "x", type: .numeric), FeatureSchema(name: "c", type: .categorical),
        FeatureSchema(name: "gone", type: .numeric), FeatureSchema(name: "t", type: .numeric),
        FeatureSchema(name: "empty", type: .numeric),
    ])
    schema.features[0].range = NumericRange(min: 0, max: 2)
    schema.features[0].presence.minFraction = 1
    schema.features[1].categories = ["a"]
    schema.features[1].minDomainMass = 0.5
    let table = try csv("x,c,t,empty,new\n1,a,u,,1\n3,a,v,,1\n,b,w,,1\n-1,a,x,,1\ninf,a,y,,1\n")
    let anomalies = DataValidator.validate(DatasetStatistics.compute(table), schema: schema)
    let kinds = Set(anomalies.map { "\($0.kind.rawValue):\($0.column ?? "-"):\($0.severity.rawValue)" })
    let expected: Set<String> = [
        "DATASET_LOW_NUM_EXAMPLES:-:error", "SCHEMA_MISSING_COLUMN:gone:error", "SCHEMA_NEW_COLUMN:new:warning",
        "UNEXPECTED_DATA_TYPE:t:error", "FEATURE_TYPE_NOT_PRESENT:empty:error",
        "FEATURE_TYPE_LOW_FRACTION_PRESENT:x:error", "FLOAT_TYPE_HAS_INF:x:error",
        "FLOAT_TYPE_SMALL_FLOAT:x:warning", "FLOAT_TYPE_BIG_FLOAT:x:warning",
        "ENUM_TYPE_UNEXPECTED_STRING_VALUES:c:warning",
    ]
    #expect(kinds == expected)
    #expect(anomalies.first?.severity == .error && anomalies.last?.severity == .warning)
}

@Test func malformedSchemaErrorsNameTheFieldPath() {
    #expect(schemaError("{")?.message.contains("not valid JSON") == true)
    #expect(schemaError(#"{"version": 1}"#)?.message == "features: required field is missing")
    #expect(schemaError(#"{"version": 2, "features": []}"#)?.message == "version: unsupported schema version 2")
    #expect(schemaError(#"{"version": 1, "features": [{"name": "a", "type": "text"}]}"#)?.message
            == "features[0].type: expected one of numeric, categorical, boolean")
    #expect(schemaError(#"{"version": 1, "features": [{"name": "a", "type": "numeric", "required": "yes"}]}"#)?.message
            == "features[0].required: expected true or false")
    #expect(schemaError(#"{"version": 1, "features": [{"name": "a", "type": "numeric", "range": {"min": 3, "max": 1}}]}"#)?.message
            == "features[0] ('a').range: min 3.0 is greater than max 1.0")
    #expect(schemaError(#"{"version": 1, "features": [{"name": "a", "type": "numeric", "presence": {"minFraction": 2}}]}"#)?.message
            == "features[0] ('a').presence.minFraction: must be between 0 and 1, found 2.0")
    let error = schemaError(#"{"version": 1, "features": [{"name": "a", "type": "numeric", "drift": {"method": "magic"}}]}"#)
    #expect(error?.description.hasPrefix("s.json: features[0].drift.method: expected one of ks, chisquare") == true)
}

@Test func minimalHandWrittenSchemaUsesDefaults() throws {
    let schema = try Schema.decode(Data(#"{"version": 1, "features": [{"name": "a", "type": "numeric"}]}"#.utf8))
    let a = try #require(schema.feature(named: "a"))
    #expect(schema.minRows == 1 && a.required && a.presence.minFraction == 0 && !a.allowInfinite && a.range == nil)
}
