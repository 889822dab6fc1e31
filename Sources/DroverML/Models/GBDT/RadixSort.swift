/// LSD radix sort of doubles (8 passes of 8 bits over order-preserving bit patterns): several
/// times faster than `sort()` on the 200,000-value bin samples. NaN must not occur.
enum RadixSort {
    static func sorted(_ values: [Double]) -> [Double] {
        let n = values.count
        guard n > 64 else { return values.sorted() }
        // Map to UInt64 keys whose unsigned order is the numeric order.
        var keys = values.map { v -> UInt64 in
            let b = (v == 0 ? 0.0 : v).bitPattern  // −0 sorts with +0
            return b & (1 << 63) != 0 ? ~b : b | (1 << 63)
        }
        var buffer = [UInt64](repeating: 0, count: n)
        keys.withUnsafeMutableBufferPointer { a in
            buffer.withUnsafeMutableBufferPointer { b in
                var src = a.baseAddress!, dst = b.baseAddress!
                var counts = [Int](repeating: 0, count: 256)
                for pass in 0..<8 {
                    let shift = UInt64(pass * 8)
                    for i in 0..<256 { counts[i] = 0 }
                    for i in 0..<n { counts[Int((src[i] >> shift) & 0xFF)] += 1 }
                    if counts.contains(n) { continue }  // all keys share this byte
                    var sum = 0
                    for i in 0..<256 { let c = counts[i]; counts[i] = sum; sum += c }
                    for i in 0..<n {
                        let k = Int((src[i] >> shift) & 0xFF)
                        dst[counts[k]] = src[i]
                        counts[k] += 1
                    }
                    swap(&src, &dst)
                }
                if src != a.baseAddress! { a.baseAddress!.update(from: src, count: n) }
            }
        }
        return keys.map { k in Double(bitPattern: k & (1 << 63) != 0 ? k & ~(1 << 63) : ~k) }
    }
}
