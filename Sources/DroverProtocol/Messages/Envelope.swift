/// Every Drover message is one ZeroMQ frame (after the ROUTER's routing-id frame):
///
///     byte 0–1  magic "DR"
///     byte 2    protocol version (currently 1)
///     byte 3    command code
///     byte 4…   command body (little-endian fields, docs/protocol.md)
///
/// A peer that sees an unknown magic, version or command counts it, answers ERROR
/// where it can, and otherwise ignores the frame.
public enum Envelope {
    public static let magic: (UInt8, UInt8) = (0x44, 0x52) // "DR"
    public static let version: UInt8 = 1
    public static let headerSize = 4

    /// Starts a message: writes the header for `command`.
    public static func writer(command: UInt8, capacity: Int = 64) -> ByteWriter {
        var w = ByteWriter(capacity: capacity)
        w.u8(magic.0)
        w.u8(magic.1)
        w.u8(version)
        w.u8(command)
        return w
    }

    /// Checks the header and returns the command code and a reader positioned at the body.
    public static func open(_ frame: [UInt8]) throws(DecodeError) -> (command: UInt8, body: ByteReader) {
        guard frame.count >= headerSize else { throw .badFrames("frame of \(frame.count) bytes is shorter than the 4-byte header") }
        guard frame[0] == magic.0, frame[1] == magic.1 else { throw .badFrames("not a Drover frame (bad magic)") }
        guard frame[2] == version else { throw .unsupportedVersion(Int(frame[2])) }
        return (frame[3], ByteReader(frame, offset: headerSize))
    }
}

/// Error codes carried by ERROR messages and query replies.
public enum ErrorCode: UInt16, Sendable, Codable {
    case malformed = 1
    case unsupportedVersion = 2
    case unknownCommand = 3
    case notFound = 4
    case badRequest = 5
    case forbidden = 6
    case unknownWorker = 7
    case `internal` = 8
}
