@testable import DroverWorker
import Foundation
import NativeThreads
import Testing

/// The warm interpreters' framing, in the Python that ships inside `drover`: a frame read from
/// the socket never swallows the next one. A job that ends at once makes the zygote send its pid
/// and its end back to back; a launcher that read both in one call lost the end and failed the
/// attempt with "the warm interpreter ended before the program did" (seen under load).
@Suite(.timeLimit(.minutes(1))) struct WarmFramingTests {
    @Test("two frames sent back to back are read as two, with or without descriptors")
    func backToBackFramesStayApart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warm-framing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try WarmPythonSource.text.write(to: dir.appendingPathComponent(WarmPythonSource.fileName), atomically: true, encoding: .utf8)
        let script = #"""
        import os, socket, sys
        sys.path.insert(0, sys.argv[1])
        import drover_warm as w
        a, b = socket.socketpair()
        b.settimeout(10)  # a swallowed frame fails the read instead of hanging it
        w._send(a, {"pid": 41})
        w._send(a, {"exit": 3})
        print(w._recv(b)[0], w._recv(b)[0])
        r, wr = os.pipe()
        w._send(a, {"argv": ["x"]}, fds=(r, wr, r))
        w._send(a, {"next": True})
        req, fds = w._recv(b, maxfds=3)
        print(req, len(fds), w._recv(b)[0])
        a.close()
        print(w._recv(b))
        """#
        let output = try await runOffPool { () throws -> String in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", script, dir.path]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(output == "{'pid': 41} {'exit': 3}\n{'argv': ['x']} 3 {'next': True}\n(None, [])\n", "\(output)")
    }
}
