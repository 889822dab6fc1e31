import DroverML
import DroverWorker
import Foundation
import Testing

/// A validate step's statistics: `stats` jobs read byte-range shards of the span, each parses its
/// rows and computes mergeable statistics; the coordinator merges them. The merge must equal one
/// pass over the whole file, however the file is cut.
@Suite("Byte-range shard statistics")
struct ShardStatisticsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures").standardizedFileURL

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    @Test("statistics merged from byte-range shards equal single-pass statistics", arguments: [
        ("diamonds.csv", 3), ("taxi.csv", 7), ("breast_cancer.csv", 4),
    ])
    func mergedEqualsSinglePass(file: String, shards: Int) async throws {
        let path = Self.fixtures.appendingPathComponent(file).path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let size = Int64(bytes.count)
        var merged: DatasetStatistics?
        for i in 0..<shards {
            let range = size * Int64(i) / Int64(shards)..<size * Int64(i + 1) / Int64(shards)
            let shard = try await CSVShard.read(size: size, range: range) { r in Array(bytes[Int(r.lowerBound)..<Int(min(r.upperBound, size))]) }
            let part = DatasetStatistics.compute(try CSVReader.read(data: shard, source: "shard \(i)"))
            merged = try merged.map { try $0.merged(with: part) } ?? part
        }
        let single = DatasetStatistics.compute(try CSVReader.read(path: path))
        let all = try #require(merged)
        #expect(all.rowCount == single.rowCount)
        #expect(all.columns.map(\.name) == single.columns.map(\.name))
        for (a, b) in zip(single.columns, all.columns) {
            #expect(a.missing == b.missing && a.categories == b.categories && a.distinct.count == b.distinct.count, "\(file): \(a.name)")
            #expect((a.numeric == nil) == (b.numeric == nil), "\(file): \(a.name) inferred with another type in a shard")
            if let x = a.numeric, let y = b.numeric {
                #expect(x.min == y.min && x.max == y.max, "\(file): \(a.name)")
                #expect(Self.close(x.mean, y.mean) && Self.close(x.moments.m2, y.moments.m2, 1e-8), "\(file): \(a.name)")
            }
        }
    }
}
