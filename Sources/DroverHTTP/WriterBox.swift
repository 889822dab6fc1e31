import DroverArtifacts
import NIOCore

/// Carries one transfer's writer (an upload or a download) between its task and NIO's thread pool.
/// `@unchecked Sendable`: an upload awaits each thread-pool call before starting the next, so the
/// writer is only ever used by one thread at a time; a download runs `writeUnhashed` and `hash`
/// as two chains, each in order, which `ArtifactWriter` allows side by side (disjoint state).
final class WriterBox: @unchecked Sendable {
    let writer: ArtifactWriter
    init(_ writer: ArtifactWriter) { self.writer = writer }

    /// Appends `buffers` in order (blocking: call on the thread pool).
    func write(_ buffers: [ByteBuffer]) throws {
        for buffer in buffers {
            try buffer.withUnsafeReadableBytes { try writer.write($0) }
        }
    }

    /// Appends `buffers` to the file only (blocking); `hash` must get the same buffers in order.
    func writeUnhashed(_ buffers: [ByteBuffer]) throws {
        for buffer in buffers {
            try buffer.withUnsafeReadableBytes { try writer.writeUnhashed($0) }
        }
    }

    /// Feeds `buffers` to the writer's digest (CPU only).
    func hash(_ buffers: [ByteBuffer]) {
        for buffer in buffers {
            buffer.withUnsafeReadableBytes { writer.hashAlongside($0) }
        }
    }
}
