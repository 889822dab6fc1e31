import CZeroMQ

/// Z85 (ZeroMQ RFC 32) text encoding of binary keys: 4 bytes → 5 printable characters.
public enum Z85 {
    /// Encodes `bytes`; `nil` unless the length is a multiple of 4.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var out = [CChar](repeating: 0, count: bytes.count / 4 * 5 + 1)
        let ok = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { zmq_z85_encode($0.baseAddress, src.baseAddress, src.count) != nil }
        }
        guard ok else { return nil }
        return string(fromCBuffer: out)
    }

    /// Decodes Z85 text; `nil` unless the length is a multiple of 5 and every character is valid.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 5 == 0, !utf8.contains(0) else { return nil }
        var out = [UInt8](repeating: 0, count: utf8.count / 5 * 4)
        let ok = out.withUnsafeMutableBufferPointer { dst in
            (utf8.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer {
                zmq_z85_decode(dst.baseAddress, $0.baseAddress) != nil
            }
        }
        return ok ? out : nil
    }
}
