import DroverProtocol
import Testing

/// Seeded so a failure replays exactly (SplitMix64, same as DroverCore's).
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Randomized mutation: decoding any byte soup never traps")
struct MutationTests {
    /// 200 000 mutants in 4 seeded chunks, so the chunks run in parallel.
    static let chunks = 4
    static let iterationsPerChunk = 50_000

    @Test("flipped, inserted, deleted and overwritten bytes of valid frames never crash a decoder", arguments: 0..<chunks)
    func mutateValidFrames(chunk: Int) {
        var rng = TestRNG(state: 0xD00D_F00D &+ UInt64(chunk))
        let seeds = Samples.smallFrames
        var accepted = 0
        for _ in 0..<Self.iterationsPerChunk {
            var f = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutate(&f, using: &rng)
            }
            // Keep the header valid half of the time so bodies get exercised, not just the magic check.
            if Bool.random(using: &rng), f.count >= 3 {
                f[0] = 0x44; f[1] = 0x52; f[2] = 1
            }
            accepted += decodeWithEveryDecoder(f)
        }
        // Some mutations are harmless (a changed id or metric value): the decoders must accept those.
        #expect(accepted > 0)
    }

    @Test("a decoded mutant re-encodes to a frame that decodes to the same message")
    func acceptedMutantsAreStable() throws {
        var rng = TestRNG(state: 42)
        let seeds = Samples.workerMessages.map { $0.encode() }.filter { $0.count <= 512 }
        for _ in 0..<20_000 {
            var f = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            mutate(&f, using: &rng)
            guard let m = try? WorkerMessage.decode(f) else { continue }
            // Compared as bytes: a mutated metric may be NaN, which is never == itself.
            #expect(try WorkerMessage.decode(m.encode()).encode() == m.encode())
        }
    }

    @Test("random garbage with a valid header never crashes a decoder")
    func garbageBodies() {
        var rng = TestRNG(state: 7)
        let commands: [UInt8] = Array(0x00...0x08) + Array(0x40...0x48) + Array(0x80...0x84) + Array(0xC0...0xC6)
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...64, using: &rng)
            var body = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Bias towards small counts so list decoders go deep.
            if n >= 4, Bool.random(using: &rng) { body[0] = UInt8.random(in: 0...3, using: &rng); body[1] = 0; body[2] = 0; body[3] = 0 }
            decodeWithEveryDecoder(frame(command: commands.randomElement(using: &rng)!, body))
        }
    }

    func mutate(_ f: inout [UInt8], using rng: inout TestRNG) {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0 where !f.isEmpty: // flip one bit
            let i = Int.random(in: 0..<f.count, using: &rng)
            f[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1: // insert a byte
            f.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...f.count, using: &rng))
        case 2 where !f.isEmpty: // delete a byte
            f.remove(at: Int.random(in: 0..<f.count, using: &rng))
        case 3 where !f.isEmpty: // overwrite with an extreme value
            let i = Int.random(in: 0..<f.count, using: &rng)
            f[i] = [0x00, 0xFF, 0x7F, 0x80].randomElement(using: &rng)!
        case 4 where f.count >= 8: // overwrite a 4-byte run with 2^32-1 (an absurd count)
            let i = Int.random(in: 0...(f.count - 4), using: &rng)
            f.replaceSubrange(i..<i + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        default:
            f.append(UInt8.random(in: 0...255, using: &rng))
        }
    }
}
