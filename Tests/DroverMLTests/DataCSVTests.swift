import Foundation
import Testing
@testable import DroverML

func csv(_ text: String, _ options: CSVOptions = .init()) throws -> Table {
    try CSVReader.read(data: Array(text.utf8), source: "test.csv", options: options)
}

private func dataError(_ body: () throws -> Table) -> DataError? {
    do { _ = try body(); return nil } catch let error as DataError { return error } catch { return nil }
}

@Test func infersNumericCategoricalAndBooleanColumns() throws {
    let table = try csv("x,city,ok\n1.5,Paris,yes\n-2e3,Oslo,no\n,Paris,\n")
    #expect(table.rowCount == 3)
    #expect(table.columns.map(\.type) == [.numeric, .categorical, .boolean])
    #expect(table.columns[0].numbers[0] == 1.5 && table.columns[0].numbers[1] == -2000)
    #expect(table.columns[0].numbers[2].isNaN)
    #expect(table.columns[1].categories == ["Paris", "Oslo"] && table.columns[1].codes == [0, 1, 0])
    #expect(table.columns[2].numbers[0] == 1 && table.columns[2].numbers[1] == 0 && table.columns[2].numbers[2].isNaN)
}

@Test func readsQuotedFieldsWithEscapesDelimitersAndLineBreaks() throws {
    let table = try csv("name,n\r\n\"a, \"\"b\"\"\",1\r\n\"line\nbreak\",\"2\"\r\n")
    #expect(table.columns[0].categories == ["a, \"b\"", "line\nbreak"])
    #expect(table.columns[1].numbers == [1, 2])
}

@Test func treatsMissingTokensAsMissing() throws {
    let table = try csv("a,b\nNA,x\nNaN,null\nnull,\n3,N/A\n")
    #expect(table.columns[0].type == .numeric)
    #expect(table.columns[0].numbers.filter(\.isNaN).count == 3)
    #expect(table.columns[1].codes == [0, -1, -1, -1])
}

@Test func zeroOneColumnsStayNumericAndOverridesApply() throws {
    let table = try csv("label,hour\n0,1\n1,2\n", CSVOptions(columnTypes: ["hour": .categorical]))
    #expect(table.columns[0].type == .numeric)
    #expect(table.columns[1].type == .categorical && table.columns[1].categories == ["1", "2"])
}

@Test func readsARowRangeShard() throws {
    let text = "v\n" + (0..<10).map { "\($0)" }.joined(separator: "\n") + "\n"
    let shard = try csv(text, CSVOptions(rowRange: 3..<6))
    #expect(shard.rowCount == 3 && shard.columns[0].numbers == [3, 4, 5])
    let tail = try csv(text, CSVOptions(rowRange: 8..<20))
    #expect(tail.columns[0].numbers == [8, 9])
}

@Test func raggedRowErrorNamesFileAndLine() {
    let error = dataError { try csv("a,b\n1,2\n3\n4,5\n") }
    #expect(error?.code == .raggedRow)
    #expect(error?.line == 3)
    #expect(error?.description.contains("test.csv:3") == true)
    #expect(error?.description.contains("1 field but the header has 2") == true)
}

@Test func nonNumericInForcedNumericColumnNamesLineColumnAndField() {
    let error = dataError { try csv("a,b\n1,2\n3,oops\n", CSVOptions(columnTypes: ["b": .numeric])) }
    #expect(error?.code == .notNumeric)
    #expect(error?.line == 3 && error?.column == "b" && error?.field == "oops")
    #expect(error?.description == "test.csv:3: column 'b': field \"oops\": the column is declared numeric but this field is not a number (hint: fix the value, leave the field empty for a missing value, or drop the numeric type)")
}

@Test func emptyFileAndHeaderOnlyAreErrors() {
    #expect(dataError { try csv("") }?.code == .emptyFile)
    #expect(dataError { try csv(" \n\n") }?.code == .emptyFile)
    #expect(dataError { try csv("a,b\n") }?.code == .noDataRows)
}

@Test func otherInputErrorsAreClear() {
    #expect(dataError { try csv("a,a\n1,2\n") }?.code == .duplicateColumn)
    #expect(dataError { try csv("a\n\"open\n") }?.code == .unterminatedQuote)
    let unknown = dataError { try csv("a\n1\n", CSVOptions(columnTypes: ["zz": .numeric])) }
    #expect(unknown?.code == .unknownColumn && unknown?.description.contains("columns are: a") == true)
    #expect(dataError { try csv("b\nmaybe\n", CSVOptions(columnTypes: ["b": .boolean])) }?.code == .notBoolean)
    #expect(dataError { try CSVReader.read(path: "/nonexistent/x.csv") }?.code == .fileUnreadable)
}

@Test func parallelParseEqualsSerialParse() throws {
    var text = "a,b,c\n"
    var generator = SplitMix64(seed: 7)
    for i in 0..<50_000 {
        text += "\(Double(generator.next() % 100_000) / 7),\(i),\(i % 3 == 0 ? "" : "\(i)")\n"
    }
    let serial = try csv(text, CSVOptions(threads: 1))
    let parallel = try csv(text, CSVOptions(threads: 2))
    #expect(serial.rowCount == 50_000)
    for j in 0..<3 {
        #expect(zip(serial.columns[j].numbers, parallel.columns[j].numbers).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }
}

@Test func readsTheTaxiFixture() throws {
    let table = try CSVReader.read(path: Fixtures.path("taxi.csv"))
    #expect(table.rowCount == 10_000)
    #expect(table.columnNames == ["distance", "company", "local", "dow", "month", "hour", "tip"])
    #expect(table.columns.map(\.type) == [.numeric, .categorical, .boolean, .categorical, .categorical, .numeric, .boolean])
}

/// Deterministic pseudo-random numbers for property tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Test func allMissingColumnReadsAsNumericNaNAndIsFlaggedDownstream() throws {
    let table = try csv("a,b\n1,\n2,NA\n3,\n")
    #expect(table.columns[1].type == .numeric && table.columns[1].numbers.allSatisfy(\.isNaN))
    let stats = DatasetStatistics.compute(table)
    #expect(stats.columns[1].missing == 3 && stats.columns[1].numeric?.min == nil)
    let anomalies = DataValidator.validate(stats, schema: Schema(features: [
        FeatureSchema(name: "a", type: .numeric), FeatureSchema(name: "b", type: .numeric),
    ]))
    #expect(anomalies.map(\.kind) == [.notPresent] && anomalies.first?.description == "every value is missing")
    let drift = DriftDetector.compareColumn(table.columns[1], table.columns[1])
    #expect(drift.value == nil && !drift.drifted && drift.note == "no values in the reference sample")
}

@Test func fastPathHandlesSpacesSignsExponentsAndTrailingText() throws {
    let table = try csv("a,b,c\n 1.5 ,+2e-3,7x\n-0.25,1E2,8\n")
    #expect(table.columns[0].numbers == [1.5, -0.25])
    #expect(table.columns[1].numbers == [0.002, 100])
    #expect(table.columns[2].type == .categorical && table.columns[2].categories == ["7x", "8"])
}

@Test func dictionaryEncodingHandlesManyValuesAndQuotedDuplicates() throws {
    var text = "id,tag\n"
    for i in 0..<3000 { text += "\(i),\(i % 2 == 0 ? "v\(i % 700)" : "\"v\(i % 700)\"")\n" }
    let column = try csv(text).columns[1]
    #expect(column.type == .categorical && column.categories.count == 700)
    #expect((0..<3000).allSatisfy { column.category(at: $0) == "v\($0 % 700)" })
}

@Test func schemaSuppliedTypesMayNameColumnsTheFileLacks() throws {
    let options = CSVOptions(columnTypes: ["zip": .categorical, "gone": .categorical], ignoresUnknownColumnTypes: true)
    let table = try csv("zip,n\n02139,1\n10001,2\n", options)
    #expect(table.columns[0].type == .categorical && table.columns[0].categories == ["02139", "10001"])
}
