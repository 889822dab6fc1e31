import Foundation

/// The `points` blob of a `metric_blocks` row: `count` points in arrival order, 24 bytes each,
/// all little-endian:
///
///     offset  0  step       Int64
///     offset  8  value      Float64 bit pattern (IEEE 754 binary64)
///     offset 16  timestamp  Float64 bit pattern (unix seconds)
///
/// Bit-exact: NaN (with its payload), ±infinity and -0 read back as written. A blob whose length
/// is not `count` × 24 is an error naming the run and key, never a crash.
enum MetricBlockCodec {
    static let pointSize = 24

    static func encode<Points: Collection<MetricPoint>>(_ points: Points) -> Data {
        var data = Data(count: points.count * pointSize)
        data.withUnsafeMutableBytes { raw in
            var offset = 0
            for p in points {
                raw.storeBytes(of: p.step.littleEndian, toByteOffset: offset, as: Int64.self)
                raw.storeBytes(of: p.value.bitPattern.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
                raw.storeBytes(of: p.timestamp.bitPattern.littleEndian, toByteOffset: offset + 16, as: UInt64.self)
                offset += pointSize
            }
        }
        return data
    }

    /// Appends the block's points to `out`, each with the block's key and source.
    static func decode(_ blob: Data, count: Int, runID: String, key: String, source: String,
                       into out: inout [MetricPoint]) throws(MetadataStoreError) {
        let (expected, overflow) = count.multipliedReportingOverflow(by: pointSize)
        guard count >= 0, !overflow, blob.count == expected else {
            throw .corruptMetrics(runID: runID, key: key,
                                  reason: "a block of \(count) points holds \(blob.count) bytes, not \(count) × \(pointSize)")
        }
        out.reserveCapacity(out.count + count)
        blob.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: expected, by: pointSize) {
                let step = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                let value = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
                let time = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
                out.append(MetricPoint(key: key, value: Double(bitPattern: value), step: step,
                                       timestamp: Double(bitPattern: time), source: source))
            }
        }
    }
}
