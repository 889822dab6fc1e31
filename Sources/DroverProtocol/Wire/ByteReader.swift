/// Why a frame could not be decoded. Decoding never traps: every read is bounds-checked
/// and every count is checked against `WireLimits` before anything is allocated.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(field: String)
    case tooLarge(field: String, value: Int, limit: Int)
    case invalidValue(field: String, value: Int)
    case invalidUTF8(field: String)
    case trailingBytes(Int)
    case badFrames(String)
    /// The header names a protocol version this side does not speak.
    case unsupportedVersion(Int)
    /// The header names a command this decoder does not know.
    case unknownCommand(UInt8)

    public var description: String {
        switch self {
        case .truncated(let f): "message truncated while reading \(f)"
        case .tooLarge(let f, let v, let l): "\(f) is \(v), above the limit of \(l)"
        case .invalidValue(let f, let v): "\(f) has invalid value \(v)"
        case .invalidUTF8(let f): "\(f) is not valid UTF-8"
        case .trailingBytes(let n): "\(n) unexpected bytes after the message"
        case .badFrames(let why): why
        case .unsupportedVersion(let v): "protocol version \(v) is not supported (this side speaks \(Envelope.version))"
        case .unknownCommand(let c): "unknown command 0x\(String(c, radix: 16, uppercase: true))"
        }
    }
}

/// Reads little-endian fields from a byte buffer, the inverse of `ByteWriter`.
public struct ByteReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }

    public mutating func u8(_ field: String) throws(DecodeError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func bool(_ field: String) throws(DecodeError) -> Bool {
        let v = try u8(field)
        guard v <= 1 else { throw .invalidValue(field: field, value: Int(v)) }
        return v == 1
    }

    public mutating func u16(_ field: String) throws(DecodeError) -> UInt16 { try readLE(field) }
    public mutating func u32(_ field: String) throws(DecodeError) -> UInt32 { try readLE(field) }
    public mutating func u64(_ field: String) throws(DecodeError) -> UInt64 { try readLE(field) }
    public mutating func i64(_ field: String) throws(DecodeError) -> Int64 { Int64(bitPattern: try readLE(field)) }
    public mutating func f64(_ field: String) throws(DecodeError) -> Double { Double(bitPattern: try readLE(field)) }

    /// A count prefix, rejected above `limit` and above what the remaining bytes could hold
    /// (each element takes at least `minElementSize` bytes), so absurd counts allocate nothing.
    public mutating func count(_ field: String, limit: Int, minElementSize: Int = 1) throws(DecodeError) -> Int {
        let n = Int(try u32(field))
        guard n <= limit else { throw .tooLarge(field: field, value: n, limit: limit) }
        guard n * max(minElementSize, 0) <= remaining else { throw .truncated(field: field) }
        return n
    }

    public mutating func string(_ field: String, limit: Int = WireLimits.maxStringBytes) throws(DecodeError) -> String {
        let n = try count(field, limit: limit)
        let start = offset
        offset += n
        let s = bytes.withUnsafeBufferPointer { all in
            Self.utf8String(UnsafeBufferPointer(rebasing: all[start..<start + n]))
        }
        guard let s else { throw .invalidUTF8(field: field) }
        return s
    }

    /// ASCII (nearly every name, kind and key) takes the fast decoding path, which is exact for
    /// valid input; the rest is validated. `String(validating:as:)` alone runs unspecialised and
    /// was a tenth of a coordinator restart's CPU (perf, release, 364k jobs in the snapshot).
    static func utf8String(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        if high < 0x80 { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    public mutating func blob(_ field: String, limit: Int) throws(DecodeError) -> [UInt8] {
        let n = try count(field, limit: limit)
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    public mutating func strings(_ field: String, limit: Int = WireLimits.maxListCount) throws(DecodeError) -> [String] {
        let n = try count(field, limit: limit, minElementSize: 4)
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string(field)) }
        return out
    }

    public mutating func stringMap(_ field: String) throws(DecodeError) -> [String: String] {
        let n = try count(field, limit: WireLimits.maxMapEntries, minElementSize: 8)
        var out: [String: String] = [:]
        out.reserveCapacity(n)
        for _ in 0..<n {
            let k = try string(field)
            out[k] = try string(field)
        }
        return out
    }

    public mutating func metricMap(_ field: String) throws(DecodeError) -> [String: Double] {
        let n = try count(field, limit: WireLimits.maxMapEntries, minElementSize: 12)
        var out: [String: Double] = [:]
        out.reserveCapacity(n)
        for _ in 0..<n {
            let k = try string(field)
            out[k] = try f64(field)
        }
        return out
    }

    /// Fails when bytes are left over: a message must be consumed exactly.
    public func finish() throws(DecodeError) {
        guard remaining == 0 else { throw .trailingBytes(remaining) }
    }

    @inline(__always) private mutating func readLE<T: FixedWidthInteger>(_ field: String) throws(DecodeError) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw .truncated(field: field) }
        var v: T = 0
        withUnsafeMutableBytes(of: &v) { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + size]))
            }
        }
        offset += size
        return T(littleEndian: v)
    }
}

extension DecodeError {
    /// The ERROR code that answers this failure (docs/protocol.md, "Errors and versioning").
    public var code: ErrorCode {
        switch self {
        case .unsupportedVersion: .unsupportedVersion
        case .unknownCommand: .unknownCommand
        case .truncated, .tooLarge, .invalidValue, .invalidUTF8, .trailingBytes, .badFrames: .malformed
        }
    }
}
