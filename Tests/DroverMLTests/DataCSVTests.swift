import Foundation
import Testing
@testable import DroverML

/// The shared datasets live next to the repository: `<repo>/../shared/data` in CI; a git
/// worktree under `<root>/wt/<name>` finds them at `<root>/shared/data`.
enum SharedData {
    static let directory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // DataCSVTests.swift, DroverMLTests, Tests
        let repo = parts.joined(separator: "/")
        let candidates = [repo + "/../shared/data", repo + "/../../shared/data"]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/taxi.csv") } ?? candidates[0]
    }()

    static func path(_ name: String) -> String { directory + "/" + name }
}

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

@Test func readsTheSharedTaxiData() throws {
    let table = try CSVReader.read(path: SharedData.path("taxi.csv"))
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
