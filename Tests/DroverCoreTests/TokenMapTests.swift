@testable import DroverCore
import Testing

@Suite("Token map")
struct TokenMapTests {
    /// Random inserts, replacements and removals, checked after every step against `Dictionary`;
    /// keys from a small range collide and form long probe runs, so backward-shift deletion and
    /// wrap-around at the table's end are exercised.
    @Test("agrees with Dictionary under random inserts and removals", arguments: [UInt64(40), 5_000, .max])
    func agreesWithDictionary(keySpace: UInt64) {
        var rng = SplitMix64(seed: keySpace)
        var map = TokenMap<Int>()
        var reference: [UInt64: Int] = [:]
        for step in 0..<20_000 {
            let key = keySpace == .max ? rng.next() >> UInt64.random(in: 0...63, using: &rng)
                                        : UInt64.random(in: 0..<keySpace, using: &rng) << 32 | 1
            if Bool.random(using: &rng) || reference.count < 8 {
                if step % 2 == 0 {
                    let inserted = map.insert(key, step)
                    #expect(inserted == (reference.updateValue(step, forKey: key) == nil))
                } else {
                    let previous = map.updateValue(step, forKey: key)
                    #expect(previous == reference.updateValue(step, forKey: key))
                }
            } else {
                let victim = reference.keys.randomElement(using: &rng)!
                let removed = map.remove(victim), again = map.remove(victim)
                #expect(removed == reference.removeValue(forKey: victim))
                #expect(again == nil)
            }
            #expect(map.count == reference.count)
            #expect(map[key] == reference[key])
        }
        for (k, v) in reference { #expect(map[k] == v) }
        #expect(map.allValues.sorted() == reference.values.sorted())
        map.removeAll()
        #expect(map.isEmpty && map.allValues.isEmpty && !map.contains(reference.keys.first!))
    }

    /// The real pattern: counters (with an epoch in the high half) inserted at one end of a
    /// window and removed at the other, out of order, the window wrapping the table many times.
    @Test("a sliding window of sequential keys across epochs")
    func slidingWindow() {
        var rng = SplitMix64(seed: 7)
        var map = TokenMap<UInt64>()
        var live: [UInt64] = []
        for epoch in 1...3 as ClosedRange<UInt64> {
            for counter in 1...20_000 as ClosedRange<UInt64> {
                let key = epoch << 32 | counter
                map.insert(key, key)
                live.append(key)
                if live.count > 500 {
                    let victim = live.remove(at: Int.random(in: 0..<64, using: &rng))
                    #expect(map.remove(victim) == victim)
                }
            }
        }
        #expect(map.count == live.count)
        #expect(live.allSatisfy { map[$0] == $0 })
    }

    @Test("a set on it keeps membership through growth and removal")
    func tokenSet() {
        var set = TokenSet()
        var inserted = 0, removed = 0
        for t in 0..<1_000 as Range<UInt64> where set.insert(t * 7) { inserted += 1 }
        let again = set.insert(7)
        for t in stride(from: 0, to: 1_000 as UInt64, by: 2) where set.remove(t * 7) { removed += 1 }
        let removedTwice = set.remove(14)
        #expect(inserted == 1_000 && !again && removed == 500 && !removedTwice)
        #expect(set.count == 500)
        #expect(set.contains(7) && !set.contains(14))
    }

    @Test("recent tokens forget the oldest beyond their capacity")
    func recentTokens() {
        var recent = RecentTokens(capacity: 4)
        for t in 1...6 as ClosedRange<UInt64> { recent.insert(t) }
        #expect(!recent.contains(1) && !recent.contains(2))
        #expect((3...6).allSatisfy { recent.contains($0) })
    }
}
