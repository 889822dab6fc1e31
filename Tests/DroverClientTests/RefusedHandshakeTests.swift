import Dispatch
import DroverClient
import DroverProtocol
import Testing
import ZeroMQ

/// A refused handshake is final in libzmq: the connection is dropped and not retried, so a DEALER
/// has no peer left and a plain send would wait for one forever. The client must report the
/// refusal on every later call instead (CI once saw `drover cancel` hang for 120 s this way).
@Suite struct RefusedHandshakeTests {
    @Test("after a refused handshake, a send fails with the handshake error instead of blocking")
    func sendAfterRefusalFails() throws {
        let outcome = try onThread(deadline: .seconds(20)) { () throws -> (String, String) in
            let context = try ZMQContext()
            defer { context.terminate() }
            let server = try ZMQSocket(context, type: .router, linger: .zero)
            defer { server.close() }
            try server.set(try CurveKeyPair.generate().serverOptions)
            let clientEndpoint = try server.bind("tcp://127.0.0.1:*")
            let port = Int(clientEndpoint.split(separator: ":").last!)!
            // No CURVE on the client: the server refuses the handshake.
            let client = try DroverClient(coordinator: "tcp://127.0.0.1:\(port - 1)", timeoutMs: 5_000)
            let seen = try firstError(within: .seconds(10)) { _ = try client.receiveAny() }
            let atSend = try firstError(within: .seconds(10)) {
                try client.send(.query(requestID: client.makeRequestID(), name: "status", body: Array("{}".utf8)))
            }
            return (seen, atSend)
        }
        let (seen, atSend) = try #require(outcome, "the send blocked")
        #expect(seen.contains("the coordinator requires CURVE keys"), "\(seen)")
        #expect(atSend == seen)
    }

    /// Repeats `body` until it throws a handshake error; returns its description.
    func firstError(within limit: Duration, _ body: () throws -> Void) throws -> String {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            do {
                try body()
            } catch let error as ClientError {
                guard case .handshake = error.reason else { throw error }
                return error.description
            }
        }
        throw ClientError(.noAnswer, "no handshake error within \(limit)")
    }

    /// Runs `body` on a thread of its own (libzmq blocks) and waits at most `deadline`; nil if it did not finish.
    func onThread<T: Sendable>(deadline: Duration, _ body: @escaping @Sendable () throws -> T) throws -> T? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, any Error>?
        DispatchQueue.global().async {
            result = Result { try body() }
            done.signal()
        }
        guard done.wait(timeout: .now() + .seconds(Int(deadline.components.seconds))) == .success else { return nil }
        return try result!.get()
    }
}
