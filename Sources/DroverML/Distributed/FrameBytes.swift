/// Fixed-width fields of the training socket's binary frames (`TrainingFrame`, docs/protocol.md):
/// little-endian integers, and f64 lists as a count then the doubles' bits.

/// Little-endian fixed-width writes into a frame.
enum ByteWriter {
    static func append(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func append(_ list: [UInt64], to out: inout [UInt8]) {
        append(UInt64(list.count), to: &out)
        for v in list { append(v, to: &out) }
    }

    /// The count, then the doubles (the host's little-endian bits, as `ByteReader.doubles` reads them).
    static func append(_ values: [Double], to out: inout [UInt8]) {
        append(UInt64(values.count), to: &out)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
    }
}

/// Reads a frame's fixed-width fields in order; every read and count is checked against the
/// bytes left, so a truncated or hostile frame is an error, never a crash or a huge allocation.
/// Reads borrowed memory (a received ZeroMQ message, or an array's bytes): valid only while
/// that memory is.
struct ByteReader {
    let raw: UnsafeRawBufferPointer
    var at: Int

    init(_ raw: UnsafeRawBufferPointer, at: Int) { (self.raw, self.at) = (raw, at) }

    var remaining: Int { raw.count - at }

    func peekU64() throws -> UInt64 {
        guard remaining >= 8 else { throw DistributedTrainingError("truncated training frame") }
        return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    mutating func u64() throws -> UInt64 {
        defer { at += 8 }
        return try peekU64()
    }

    /// A non-negative integer that fits in an `Int`.
    mutating func int() throws -> Int {
        let v = try u64()
        guard v <= UInt64(Int.max) else { throw DistributedTrainingError("integer out of range in a training frame") }
        return Int(v)
    }

    /// A count of items of `size` bytes each, no more than the bytes left can hold.
    mutating func count(of size: Int) throws -> Int {
        let n = try u64()
        guard n <= UInt64(remaining / size) else { throw DistributedTrainingError("truncated list in a training frame") }
        return Int(n)
    }

    /// The next `n` bytes, copied.
    mutating func bytes(count n: Int) throws -> [UInt8] {
        guard n <= remaining else { throw DistributedTrainingError("truncated training frame") }
        defer { at += n }
        return Array(raw[at..<(at + n)])
    }

    /// The bytes from here to the end, copied.
    var rest: [UInt8] { Array(raw[at...]) }

    /// A count, then that many f64 (the host's little-endian bits), copied once.
    mutating func doubles() throws -> [Double] {
        let n = try count(of: 8)
        defer { at += 8 * n }
        return [Double](unsafeUninitializedCapacity: n) { out, initialized in
            UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<(at + 8 * n)]))
            initialized = n
        }
    }
}
