import DroverArtifacts
import NIOCore

/// Carries one transfer's writer (an upload or a download) between its task and NIO's thread pool.
/// `@unchecked Sendable`: the task awaits each thread-pool call before starting the next, so the
/// writer is only ever used by one thread at a time.
final class WriterBox: @unchecked Sendable {
    let writer: ArtifactWriter
    init(_ writer: ArtifactWriter) { self.writer = writer }

    /// Appends `buffers` in order (blocking: call on the thread pool).
    func write(_ buffers: [ByteBuffer]) throws {
        for buffer in buffers {
            try buffer.withUnsafeReadableBytes { try writer.write($0) }
        }
    }
}
