import DroverProtocol
import DroverStore

/// The metrics protocol's lines (docs/commands.md) as metric points: `MetricLine.read` decides
/// what is a metric (anything else is skipped; the worker counts garbage at the end of the run);
/// a line without a step gets the next number for its metric.
enum MetricLines {
    static func parse(_ text: ArraySlice<UInt8>, at timestamp: Double, source: String, nextStep autoStep: inout [String: Int64]) -> [MetricPoint] {
        var out: [MetricPoint] = []
        text.withUnsafeBytes { all in
            var start = 0
            while start < all.count {
                var end = start
                while end < all.count, all[end] != 10 { end += 1 }
                defer { start = end + 1 }
                guard let m = MetricLine.read(UnsafeRawBufferPointer(rebasing: all[start..<end])) else { continue }
                let step = m.wholeStep ?? autoStep[m.name, default: 0]
                autoStep[m.name] = step &+ 1
                out.append(MetricPoint(key: m.name, value: m.value, step: step, timestamp: timestamp, source: source))
            }
        }
        return out
    }
}
