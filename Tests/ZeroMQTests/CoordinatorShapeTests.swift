import Testing
@testable import ZeroMQ

/// The shape the coordinator uses (docs/zeromq.md): a CURVE ROUTER and the ZAP handler owned and
/// polled by one SocketThread handler; workers outside it.
final class SecureEchoHandler: SocketLoopHandler {
    typealias Message = Never
    let zap: ZAPHandler
    let router: ZMQSocket
    let endpoint: String
    var inbox = Multipart()

    init(loop: SocketLoop, keys: CurveKeyPair, workers: [String: String]) throws {
        zap = try ZAPHandler(context: loop.context, allowList: workers)
        loop.own(zap.socket)
        router = try loop.makeSocket(.router, options: keys.serverOptions + [
            .routerMandatory(true), .maxMessageSize(64 * 1024), .handshakeInterval(.seconds(2)),
        ])
        endpoint = try router.bind("tcp://127.0.0.1:*")
        try loop.watch(zap.socket)
        try loop.watch(router)
    }

    func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws {
        if socket === zap.socket {
            try zap.handleAll()
            return
        }
        while try router.receive(into: &inbox, dontWait: true, readUserId: true) {
            // Echo the payload back, tagged with the authenticated worker id.
            var reply = Multipart()
            reply.append(inbox[0])
            reply.append(inbox[inbox.count - 1])
            reply.append(Array((inbox.userId ?? "?").utf8))
            _ = try router.send(reply, dontWait: true)
        }
    }
}

@Suite("Coordinator-shaped loop")
struct CoordinatorShapeTests {
    @Test func authenticatedWorkerIsServedByTheSocketThread() async throws {
        let ctx = try ZMQContext()
        let serverKeys = try CurveKeyPair.generate()
        let workerKeys = try CurveKeyPair.generate()
        let allow = [workerKeys.publicKey: "worker-9"]
        let thread = try SocketThread(context: ctx) { loop in
            try SecureEchoHandler(loop: loop, keys: serverKeys, workers: allow)
        }
        try thread.start()
        let endpoint = try await thread.perform { handler, _ in handler.endpoint }

        let reply = try onThread { () throws -> [[UInt8]]? in
            let dealer = try ZMQSocket(ctx, type: .dealer)
            defer { dealer.close() }
            try dealer.set(workerKeys.clientOptions(serverKey: serverKeys.publicKey))
            try dealer.connect(endpoint)
            try dealer.send(["job-42 done".bytes])
            return try receive(dealer, timeoutMs: 5000)
        }
        let failure = await thread.stop()
        ctx.terminate()
        #expect(failure == nil)
        #expect(reply == .some(["job-42 done".bytes, "worker-9".bytes]))
    }
}
