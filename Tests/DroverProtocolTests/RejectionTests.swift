import DroverProtocol
import Testing

@Suite("The decoder rejects hostile or broken frames with an error, never a trap")
struct RejectionTests {
    @Test("wrong magic is rejected as not a Drover frame")
    func wrongMagic() {
        var f = WorkerMessage.heartbeat.encode()
        f[0] = 0x5A
        #expect(throws: DecodeError.badFrames("not a Drover frame (bad magic)")) { try WorkerMessage.decode(f) }
    }

    @Test("a frame shorter than the header is rejected", arguments: 0..<4)
    func shorterThanHeader(_ n: Int) {
        let f = Array(WorkerMessage.heartbeat.encode().prefix(n))
        #expect(throws: DecodeError.self) { try WorkerMessage.decode(f) }
    }

    @Test("an unsupported version is rejected and the message says which version")
    func unsupportedVersion() throws {
        let f = frame(command: 0x05, version: 2)
        let error = try #require(throws: DecodeError.self) { try WorkerMessage.decode(f) }
        #expect(error.description.contains("protocol version 2 is not supported"))
        #expect(error.description.contains("speaks 1"))
        #expect(error == .unsupportedVersion(2) && error.code == .unsupportedVersion)
    }

    @Test("an unknown command is rejected as unknownCommand (ERROR code 3), other failures as malformed (1)")
    func unknownCommand() {
        #expect(throws: DecodeError.unknownCommand(0x7F)) { try WorkerMessage.decode(frame(command: 0x7F)) }
        #expect(throws: DecodeError.unknownCommand(0x01)) { try CoordinatorMessage.decode(frame(command: 0x01)) }
        #expect(throws: DecodeError.unknownCommand(0x41)) { try ClientRequest.decode(frame(command: 0x41)) }
        #expect(throws: DecodeError.unknownCommand(0x00)) { try ClientReply.decode(frame(command: 0x00)) }
        #expect(DecodeError.unknownCommand(0x7F).code == .unknownCommand)
        #expect(DecodeError.trailingBytes(1).code == .malformed && DecodeError.badFrames("x").code == .malformed)
    }

    @Test("every strict prefix of every valid frame is rejected")
    func truncatedAtEveryOffset() {
        for f in Samples.smallFrames {
            for n in 0..<f.count {
                #expect(decodeWithEveryDecoder(Array(f.prefix(n))) == 0, "prefix \(n) of \(f.count) bytes accepted")
            }
        }
    }

    @Test("truncating a large batch anywhere is rejected")
    func truncatedLargeBatch() {
        let f = ClientRequest.submit(requestID: 1, watch: false,
                                     jobs: (0..<2_000).map { JobSpec(kind: "noop", params: ["i": "\($0)"]) }).encode()
        for n in stride(from: 0, to: f.count, by: 97) {
            #expect((try? ClientRequest.decode(Array(f.prefix(n)))) == nil)
        }
        #expect((try? ClientRequest.decode(Array(f.dropLast()))) == nil)
    }

    @Test("trailing bytes after a valid message are rejected")
    func trailingBytes() {
        #expect(throws: DecodeError.trailingBytes(1)) { try WorkerMessage.decode(WorkerMessage.heartbeat.encode() + [0]) }
        #expect(throws: DecodeError.trailingBytes(3)) { try WorkerMessage.decode(WorkerMessage.credit(5).encode() + [1, 2, 3]) }
        for f in Samples.smallFrames {
            #expect(decodeWithEveryDecoder(f + [0xAB]) == 0)
        }
    }

    @Test("a count of 2^32-1 followed by a few bytes is rejected before any allocation")
    func absurdCounts() {
        let huge = le32(.max) + [1, 2, 3, 4, 5]
        #expect(throws: DecodeError.tooLarge(field: "started.leases", value: Int(UInt32.max), limit: WireLimits.maxBatch)) {
            try WorkerMessage.decode(frame(command: 0x03, huge))
        }
        #expect(throws: DecodeError.self) { try WorkerMessage.decode(frame(command: 0x04, le32(1) + huge)) }
        #expect(throws: DecodeError.self) { try CoordinatorMessage.decode(frame(command: 0x42, huge)) }
        #expect(throws: DecodeError.self) { try CoordinatorMessage.decode(frame(command: 0x46, huge)) } // string length
        #expect(throws: DecodeError.self) { try ClientRequest.decode(frame(command: 0x81, le64(1) + [0] + huge)) }
        #expect(throws: DecodeError.self) { try ClientRequest.decode(frame(command: 0x82, le64(1) + huge)) }
        #expect(throws: DecodeError.self) { try ClientRequest.decode(frame(command: 0x83, le64(1) + huge)) }
        #expect(throws: DecodeError.self) { try ClientReply.decode(frame(command: 0xC1, le64(1) + huge)) }
        #expect(throws: DecodeError.self) { try ClientReply.decode(frame(command: 0xC4, huge)) }
        // Hello: a name of 4 GiB, then tags, kinds and held lists of 4 G entries.
        #expect(throws: DecodeError.self) { try WorkerMessage.decode(frame(command: 0x01, huge)) }
        #expect(throws: DecodeError.self) { try WorkerMessage.decode(frame(command: 0x01, le32(0) + le32(1) + le32(1) + huge)) }
    }

    @Test("a count within the limit but beyond the remaining bytes is rejected as truncated")
    func countBeyondRemainingBytes() {
        // 60 000 leases of 20 bytes each announced, 8 bytes present: nothing is reserved.
        #expect(throws: DecodeError.truncated(field: "started.leases")) {
            try WorkerMessage.decode(frame(command: 0x03, le32(60_000) + le64(1)))
        }
        #expect(throws: DecodeError.truncated(field: "assign.count")) {
            try CoordinatorMessage.decode(frame(command: 0x42, le32(65_536) + le64(1)))
        }
    }

    @Test("a string longer than its field limit is rejected as too large")
    func stringLimit() {
        let name = String(repeating: "w", count: 257)
        let f = WorkerMessage.hello(.init(name: name, slots: 1, credit: 1, tags: [], kinds: [], held: [])).encode()
        #expect(throws: DecodeError.tooLarge(field: "hello.name", value: 257, limit: 256)) { try WorkerMessage.decode(f) }
    }

    @Test("invalid enum values are rejected: priority, outcome, job state, bool")
    func invalidEnums() throws {
        // Priority 7 inside a submitted job spec.
        var submit = ClientRequest.submit(requestID: 1, watch: false, jobs: [JobSpec(kind: "k")]).encode()
        let priorityOffset = 4 + 8 + 1 + 4 + (4 + 1) + 4
        #expect(submit[priorityOffset] == Priority.normal.rawValue)
        submit[priorityOffset] = 7
        #expect(throws: DecodeError.invalidValue(field: "job.priority", value: 7)) { try ClientRequest.decode(submit) }

        // Outcome 9 inside a result.
        var results = WorkerMessage.results(credit: 1, [AttemptResult(lease: Samples.lease, outcome: .succeeded)]).encode()
        let outcomeOffset = 4 + 4 + 4 + 20
        #expect(results[outcomeOffset] == Outcome.succeeded.rawValue)
        results[outcomeOffset] = 9
        #expect(throws: DecodeError.invalidValue(field: "result.outcome", value: 9)) { try WorkerMessage.decode(results) }

        // Job state 200 inside DONE.
        var done = ClientReply.done([.init(jobID: 1, state: .succeeded)]).encode()
        done[done.count - 1] = 200
        #expect(throws: DecodeError.invalidValue(field: "done.state", value: 200)) { try ClientReply.decode(done) }

        // watch flag 2 is not a bool.
        var watch = ClientRequest.submit(requestID: 1, watch: true, jobs: []).encode()
        watch[12] = 2
        #expect(throws: DecodeError.invalidValue(field: "submit.watch", value: 2)) { try ClientRequest.decode(watch) }
    }

    @Test("invalid UTF-8 in a string field is rejected")
    func invalidUTF8() {
        let f = frame(command: 0x46, le32(3) + [0x61, 0xFF, 0xFE])
        #expect(throws: DecodeError.invalidUTF8(field: "disconnect.reason")) { try CoordinatorMessage.decode(f) }
        // A lone continuation byte and a truncated multi-byte sequence.
        #expect(throws: DecodeError.self) { try CoordinatorMessage.decode(frame(command: 0x46, le32(1) + [0x80])) }
        #expect(throws: DecodeError.self) { try CoordinatorMessage.decode(frame(command: 0x46, le32(2) + [0xE2, 0x82])) }
    }

    @Test("an unknown error code in ERROR decodes as internal rather than failing")
    func unknownErrorCode() throws {
        let f = frame(command: 0x47, [0xFF, 0xFF] + le32(0))
        #expect(try CoordinatorMessage.decode(f) == .error(.internal, ""))
    }

    @Test("error descriptions name the field")
    func descriptions() {
        #expect(DecodeError.truncated(field: "hello.name").description == "message truncated while reading hello.name")
        #expect(DecodeError.tooLarge(field: "x", value: 5, limit: 4).description == "x is 5, above the limit of 4")
        #expect(DecodeError.trailingBytes(2).description == "2 unexpected bytes after the message")
    }
}
