import DroverCore
import DroverProtocol

/// libFuzzer target for every wire decoder (and the journal batch decoder).
///
/// Input: byte 0 selects the decoder (mod 5), the rest is the frame. Properties checked:
/// * no decoder traps, reads out of bounds (ASan) or allocates more than the frame justifies
///   (`-malloc_limit_mb` / `-rss_limit_mb` in `run.sh`);
/// * whatever decodes re-encodes canonically: `encode(decode(encode(decode(x)))) == encode(decode(x))`
///   (byte comparison, so NaN metrics and map ordering do not matter).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireDecoders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let selector = data[0] % 5
    let frame = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch selector {
    case 0: check(frame, WorkerMessage.decode, { $0.encode() })
    case 1: check(frame, CoordinatorMessage.decode, { $0.encode() })
    case 2: check(frame, ClientRequest.decode, { $0.encode() })
    case 3: check(frame, ClientReply.decode, { $0.encode() })
    default: check(frame, JournalRecord.decodeBatch, JournalRecord.encodeBatch)
    }
    return 0
}

/// Decodes; on success checks the canonical re-encoding is stable, on failure renders the error.
@inline(never)
func check<M>(_ frame: [UInt8], _ decode: ([UInt8]) throws(DecodeError) -> M, _ encode: (M) -> [UInt8]) {
    let message: M
    do throws(DecodeError) {
        message = try decode(frame)
    } catch {
        // Error text is sent back to peers: building it must be safe for any input.
        precondition(!error.description.isEmpty)
        return
    }
    let once = encode(message)
    let again: M
    do throws(DecodeError) {
        again = try decode(once)
    } catch {
        fatalError("re-encoded message does not decode: \(error)")
    }
    precondition(encode(again) == once, "canonical encoding is not stable")
}
