import Foundation

/// Long arrays of numbers in statistics JSON (sketch levels, HyperLogLog registers, exact-distinct
/// hashes) written as base64 of their little-endian bytes: Foundation's `JSONDecoder` spends about
/// a microsecond on each number of an array, so the ~10,000 of one dataset's statistics took the
/// pipeline runner 7 ms to read per shard, and one string takes a few microseconds. Doubles stay
/// bit-exact. Arrays written as JSON numbers (statistics stored by earlier versions) still decode.
enum PackedNumbers {
    static func string<T: FixedWidthInteger>(_ values: [T]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * MemoryLayout<T>.size)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        return Data(bytes).base64EncodedString()
    }

    static func values<T: FixedWidthInteger>(_ type: T.Type, _ text: String) -> [T]? {
        guard let data = Data(base64Encoded: text), data.count % MemoryLayout<T>.size == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / MemoryLayout<T>.size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
        }
    }

    static func string(_ values: [Double]) -> String { string(values.map(\.bitPattern)) }
}

extension KeyedDecodingContainer {
    /// A packed array (`PackedNumbers`), or one written as JSON numbers.
    func decodePacked<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key) throws -> [T]? {
        if let text = try? decodeIfPresent(String.self, forKey: key) {
            guard let values = PackedNumbers.values(T.self, text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not base64 of \(T.self) values")
            }
            return values
        }
        return try decodeIfPresent([T].self, forKey: key)
    }
}
