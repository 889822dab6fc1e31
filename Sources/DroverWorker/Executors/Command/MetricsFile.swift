import DroverProtocol
import Foundation

/// The metrics protocol (docs/commands.md): a command appends JSON lines to `$DROVER_METRICS`,
/// `{"metric":"loss","value":0.3,"step":1}` or `{"param":"lr","value":"0.1"}`. Parsing never
/// fails: lines that are not one of the two forms are counted as garbage.
public struct MetricsFile: Sendable, Equatable {
    /// The last value of each metric (the final metric set).
    public var metrics: [String: Double] = [:]
    /// Parameters as the job logged them.
    public var params: [String: String] = [:]
    /// Metric points read (every step counted).
    public var points = 0
    public var garbageLines = 0
    /// The first garbage line's number and a short reason, for the job's record.
    public var firstGarbage: String?

    public init() {}

    /// Reads at most `limit` bytes of the file (absent = no metrics).
    public init(path: String, limit: Int = 64 << 20) {
        self.init()
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit)) ?? Data()
        parse(data)
    }

    public mutating func parse(_ data: Data) {
        var number = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            if let metric = line.withUnsafeBytes({ MetricLine.scan($0) }), record(metric) { continue }
            if let problem = take(Data(line)) {
                garbageLines += 1
                if firstGarbage == nil { firstGarbage = "line \(number): \(problem)" }
            }
        }
    }

    /// One line as JSON: numbers stay numbers (JSONDecoder never reads `true` as a number).
    private struct Line: Decodable {
        enum Value: Decodable {
            case number(Double), text(String), other

            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let d = try? c.decode(Double.self) { self = .number(d) } else if let s = try? c.decode(String.self) {
                    self = .text(s)
                } else { self = .other }
            }
        }

        var metric: String?
        var param: String?
        var value: Value?
        var step: Value?
    }

    /// Records a metric line read by `MetricLine.scan` (the usual shape, without a JSON parser);
    /// false when it breaks a rule, for `take(_: Data)` to say which.
    private mutating func record(_ line: MetricLine) -> Bool {
        guard !line.name.isEmpty, line.name.utf8.count <= 256 || line.name.count <= 256, line.value.isFinite else { return false }
        metrics[line.name] = line.value
        points += 1
        return true
    }

    /// Records one line, or says why it is not a metric or a parameter.
    private mutating func take(_ data: Data) -> String? {
        guard let line = try? JSONDecoder().decode(Line.self, from: data) else { return "not a JSON object" }
        if let name = line.metric {
            guard !name.isEmpty, name.count <= 256 else { return "metric name empty or longer than 256 characters" }
            guard case .number(let value) = line.value, value.isFinite else { return "metric '\(name)' needs a finite number in \"value\"" }
            if let step = line.step {
                guard case .number = step else { return "metric '\(name)': \"step\" must be a number" }
            }
            metrics[name] = value
            points += 1
            return nil
        }
        if let name = line.param {
            guard !name.isEmpty, name.count <= 256 else { return "param name empty or longer than 256 characters" }
            switch line.value {
            case .text(let s): params[name] = s
            case .number(let d): params[name] = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            default: return "param '\(name)' needs a string or number in \"value\""
            }
            return nil
        }
        return "neither \"metric\" nor \"param\""
    }
}
