/// Anything that can lend its bytes contiguously for one frame of a multipart send.
///
/// `[UInt8]`, `ArraySlice<UInt8>`, `ContiguousArray<UInt8>` and `UnsafeRawBufferPointer` conform here.
/// Foundation's `Data` can be added by the caller in one line:
/// `extension Data: FrameBytes {}` (its `withUnsafeBytes` already matches).
public protocol FrameBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: FrameBytes where Element == UInt8 {}
extension ArraySlice: FrameBytes where Element == UInt8 {}
extension ContiguousArray: FrameBytes where Element == UInt8 {}

extension UnsafeRawBufferPointer: FrameBytes {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}
