import DroverProtocol

/// A `LatencyHistogram` the coordinator counted, rendered as a Prometheus histogram in seconds
/// (cumulative `_bucket` lines, `_sum`, `_count`): swift-prometheus histograms only record
/// values one at a time, these arrive already counted.
enum HistogramText {
    static func render(_ name: String, help: String, _ h: LatencyHistogram) -> String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (i, bound) in LatencyHistogram.boundsMs.enumerated() {
            cumulative += h.counts[i]
            out += "\(name)_bucket{le=\"\(seconds(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n"
        out += "\(name)_sum \(seconds(h.sumMs))\n\(name)_count \(h.count)\n"
        return out
    }

    static func seconds(_ ms: Int64) -> String {
        let s = Double(ms) / 1000
        return s == s.rounded() ? String(Int64(s)) + ".0" : String(s)
    }
}
