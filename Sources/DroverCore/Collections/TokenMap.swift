/// A hash map from `UInt64` keys (attempt tokens, job ids) to values: open addressing, linear
/// probing, Fibonacci hashing, backward-shift deletion, at most half full.
///
/// Written here rather than using `Dictionary` because the worker touches its token tables about
/// a dozen times per job and the coordinator its watch table once per job, and with
/// `Dictionary`/`Set` (SipHash per operation) that bookkeeping was the largest cost of a no-op
/// job on the worker (perf, release build, `drover bench dispatch`). Neither the standard
/// library nor swift-collections offers a map with a cheap integer hash.
///
/// The hash must scatter: with the identity hash, sequential keys (tokens and job ids are
/// counters) form one long run, and backward-shift deletion walks the whole run on every
/// removal (measured: 10× slower dispatch with a 100,000-job watch window).
struct TokenMap<Value>: Sendable where Value: Sendable {
    private var keys: [UInt64]
    private var values: [Value?]
    private var shift: UInt64 = 64 - 4
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 16)
        values = Array(repeating: nil, count: 16)
    }

    var isEmpty: Bool { count == 0 }
    private var mask: Int { keys.count - 1 }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func slot(_ key: UInt64) -> (index: Int, found: Bool) {
        var i = home(key)
        while values[i] != nil {
            if keys[i] == key { return (i, true) }
            i = (i + 1) & mask
        }
        return (i, false)
    }

    func contains(_ key: UInt64) -> Bool { slot(key).found }

    subscript(key: UInt64) -> Value? {
        get {
            let s = slot(key)
            return s.found ? values[s.index] : nil
        }
        set {
            if let newValue { insert(key, newValue) } else { _ = remove(key) }
        }
    }

    /// Inserts or replaces; true when the key was new.
    @discardableResult
    mutating func insert(_ key: UInt64, _ value: Value) -> Bool {
        updateValue(value, forKey: key) == nil
    }

    /// Inserts or replaces; returns the value replaced (as `Dictionary.updateValue`).
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: UInt64) -> Value? {
        let s = slot(key)
        if s.found {
            defer { values[s.index] = value }
            return values[s.index]
        }
        keys[s.index] = key
        values[s.index] = value
        count += 1
        if count * 2 > keys.count { grow() }
        return nil
    }

    /// Removes the key; returns its value if it was there.
    @discardableResult
    mutating func remove(_ key: UInt64) -> Value? {
        let s = slot(key)
        guard s.found else { return nil }
        let old = values[s.index]
        // Backward shift: pull later entries of the probe run into the hole when their home
        // does not lie cyclically in (hole, j].
        var hole = s.index
        var j = hole
        while true {
            j = (j + 1) & mask
            guard values[j] != nil else { break }
            let h = home(keys[j])
            let stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !stays {
                keys[hole] = keys[j]
                values[hole] = values[j]
                hole = j
            }
        }
        values[hole] = nil
        count -= 1
        return old
    }

    mutating func removeAll() {
        guard count > 0 else { return }
        for i in values.indices { values[i] = nil }
        count = 0
    }

    /// The values, in no particular order.
    var allValues: [Value] { values.compactMap { $0 } }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: nil, count: oldKeys.count * 2)
        shift -= 1
        for i in oldKeys.indices {
            guard let v = oldValues[i] else { continue }
            let s = slot(oldKeys[i])
            keys[s.index] = oldKeys[i]
            values[s.index] = v
        }
    }
}

/// A set of tokens on `TokenMap`.
struct TokenSet: Sendable {
    private var map = TokenMap<Bool>()
    var count: Int { map.count }
    func contains(_ token: UInt64) -> Bool { map.contains(token) }
    @discardableResult mutating func insert(_ token: UInt64) -> Bool { map.insert(token, true) }
    @discardableResult mutating func remove(_ token: UInt64) -> Bool { map.remove(token) != nil }
    mutating func removeAll() { map.removeAll() }
}
