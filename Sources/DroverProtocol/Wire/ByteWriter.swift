/// Appends little-endian fields to a growable byte buffer. The wire format is
/// specified in docs/protocol.md; every integer is little-endian, every string is
/// UTF-8 prefixed by its byte length (u32), every list by its element count (u32).
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    public mutating func u16(_ v: UInt16) { appendLE(v) }
    public mutating func u32(_ v: UInt32) { appendLE(v) }
    public mutating func u64(_ v: UInt64) { appendLE(v) }
    public mutating func i64(_ v: Int64) { appendLE(UInt64(bitPattern: v)) }
    public mutating func f64(_ v: Double) { appendLE(v.bitPattern) }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func blob(_ b: [UInt8]) {
        u32(UInt32(b.count))
        bytes.append(contentsOf: b)
    }

    public mutating func count(_ n: Int) { u32(UInt32(n)) }

    public mutating func strings(_ list: [String]) {
        count(list.count)
        for s in list { string(s) }
    }

    /// A string→string map, written in key order so equal maps encode equally.
    public mutating func stringMap(_ map: [String: String]) {
        count(map.count)
        for key in map.keys.sorted() {
            string(key)
            string(map[key] ?? "")
        }
    }

    /// A string→number map (metrics), written in key order.
    public mutating func metricMap(_ map: [String: Double]) {
        count(map.count)
        for key in map.keys.sorted() {
            string(key)
            f64(map[key] ?? 0)
        }
    }

    @inline(__always) private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
