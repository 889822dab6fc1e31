import DroverServing
import Foundation
import Testing

@Suite("Sticky routing and sample-ratio checks")
struct RoutingTests {
    @Test("MurmurHash3 x86_32 matches the reference vectors")
    func murmurVectors() {
        #expect(StickyBucket.murmur3([], seed: 0) == 0)
        #expect(StickyBucket.murmur3([], seed: 1) == 0x514E_28B7)
        #expect(StickyBucket.murmur3(Array("hello".utf8), seed: 0) == 0x248B_FA47)
        #expect(StickyBucket.murmur3(Array("The quick brown fox jumps over the lazy dog".utf8), seed: 0) == 0x2E4F_F723)
    }

    @Test("a 10 % split lands within binomial bounds, is sticky, and widening keeps earlier keys")
    func splitShare() {
        let n = 20_000
        let chosen = (0..<n).filter { StickyBucket.isChallenger(key: "user-\($0)", experiment: "churn/1", percent: 10) }
        let share = Double(chosen.count) / Double(n)
        let sd = (0.1 * 0.9 / Double(n)).squareRoot()
        #expect(abs(share - 0.1) < 4 * sd, "share \(share)")
        for k in chosen.prefix(200) {
            #expect(StickyBucket.isChallenger(key: "user-\(k)", experiment: "churn/1", percent: 10))
            #expect(StickyBucket.isChallenger(key: "user-\(k)", experiment: "churn/1", percent: 20))
        }
        let other = (0..<n).filter { StickyBucket.isChallenger(key: "user-\($0)", experiment: "churn/2", percent: 10) }
        #expect(Set(other).intersection(chosen).count < chosen.count / 2) // a new experiment reshuffles
    }

    @Test("SRM: flags a skewed split at p < 0.001, passes a fair one, waits for 8 per arm")
    func srm() {
        #expect(!SampleRatioCheck(champion: 900, challenger: 100, share: 0.1).mismatch)
        let skew = SampleRatioCheck(champion: 800, challenger: 200, share: 0.1)
        #expect(skew.mismatch && skew.pValue < 0.001)
        #expect(abs(skew.chiSquare - (100.0 * 100 / 900 + 100.0 * 100 / 100)) < 1e-9)
        #expect(!SampleRatioCheck(champion: 100, challenger: 7, share: 0.5).checked)
    }
}
