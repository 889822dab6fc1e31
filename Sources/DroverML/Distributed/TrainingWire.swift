import Foundation

/// Frames of the data-parallel training socket (docs/protocol.md, "Data-parallel training"):
/// one ZeroMQ frame each, `"DT"`, version 1, a command byte, then the body. Requests and most
/// replies carry JSON; histogram and bin-sample replies (the bulk of GBDT traffic) carry raw
/// little-endian doubles.
public enum TrainingFrame: Sendable, Equatable {
    /// Worker → coordinator: the shard job `job` (attempt `attempt`) serves shard `shard` of `session`.
    case hello(session: String, shard: Int, job: String)
    /// Worker → coordinator: the answer to request `seq`.
    case reply(seq: UInt64, ShardReply)
    /// Coordinator → worker.
    case request(seq: UInt64, ShardRequest)
    /// Coordinator → worker: training is over; report these outputs and metrics and end the job.
    case finish(outputs: [String: String], metrics: [String: Double])
    /// Coordinator → worker: training failed; fail the job with this message.
    case abort(String)

    static let magic: [UInt8] = [0x44, 0x54, 1]  // "DT", version 1

    private enum Command: UInt8 {
        case hello = 0x01, reply = 0x02, histograms = 0x03, sample = 0x04, request = 0x41, finish = 0x42, abort = 0x43
    }

    private struct Finish: Codable { var outputs: [String: String]; var metrics: [String: Double] }
    private struct Hello: Codable { var session: String; var shard: Int; var job: String }

    /// The frame answering `request` with `reply`: a bin sample goes as raw doubles only to a
    /// coordinator that asked for them (`SampleRequest.rawReply`), as JSON to an older one.
    public static func reply(seq: UInt64, _ reply: ShardReply, to request: ShardRequest) throws -> [UInt8] {
        if case .sample(let asked) = request, asked.rawReply != true, case .sample = reply {
            return try TrainingFrame.reply(seq: seq, reply).encoded(rawSample: false)
        }
        return try TrainingFrame.reply(seq: seq, reply).encoded()
    }

    public func encoded() throws -> [UInt8] { try encoded(rawSample: true) }

    private func encoded(rawSample: Bool) throws -> [UInt8] {
        let json = JSONEncoder()
        switch self {
        case .hello(let session, let shard, let job):
            return Self.magic + [Command.hello.rawValue] + Array(try json.encode(Hello(session: session, shard: shard, job: job)))
        case .reply(let seq, .histograms(let list)):
            var out = Self.magic + [Command.histograms.rawValue]
            out.reserveCapacity(out.count + 16 + list.reduce(0) { $0 + 24 + 8 * $1.values.count })
            Self.append(seq, to: &out)
            Self.append(UInt64(list.count), to: &out)
            for h in list {
                Self.append(UInt64(h.binStride), to: &out)
                Self.append(UInt64(h.rows), to: &out)
                Self.append(h.values, to: &out)
            }
            return out
        case .reply(let seq, .sample(let columns)) where rawSample:
            var out = Self.magic + [Command.sample.rawValue]
            out.reserveCapacity(out.count + 16 + columns.reduce(0) { $0 + 8 + 8 * $1.count })
            Self.append(seq, to: &out)
            Self.append(UInt64(columns.count), to: &out)
            for c in columns { Self.append(c, to: &out) }
            return out
        case .reply(let seq, let reply):
            var out = Self.magic + [Command.reply.rawValue]
            Self.append(seq, to: &out)
            return out + Array(try json.encode(reply))
        case .request(let seq, let request):
            var out = Self.magic + [Command.request.rawValue]
            Self.append(seq, to: &out)
            return out + Array(try json.encode(request))
        case .finish(let outputs, let metrics):
            return Self.magic + [Command.finish.rawValue] + Array(try json.encode(Finish(outputs: outputs, metrics: metrics)))
        case .abort(let message):
            return Self.magic + [Command.abort.rawValue] + Array(message.utf8)
        }
    }

    public static func decode(_ bytes: [UInt8]) throws -> TrainingFrame {
        guard bytes.count >= 4, Array(bytes[0..<3]) == magic, let command = Command(rawValue: bytes[3]) else {
            throw DistributedTrainingError("not a training frame (bad magic, version or command)")
        }
        var at = 4
        let json = JSONDecoder()
        func u64() throws -> UInt64 {
            guard at + 8 <= bytes.count else { throw DistributedTrainingError("truncated training frame") }
            defer { at += 8 }
            return bytes[at..<(at + 8)].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        }
        func rest() -> Data { Data(bytes[at...]) }
        /// A count u64, then that many f64.
        func doubles() throws -> [Double] {
            let count = try u64()
            guard count <= UInt64((bytes.count - at) / 8) else { throw DistributedTrainingError("truncated list of doubles") }
            let n = Int(count)
            defer { at += 8 * n }
            // One copy: the frames carry the host's (little-endian) doubles, as `append` writes them.
            return [Double](unsafeUninitializedCapacity: n) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<(at + 8 * n)]))
                }
                initialized = n
            }
        }
        switch command {
        case .hello:
            let h = try json.decode(Hello.self, from: rest())
            return .hello(session: h.session, shard: h.shard, job: h.job)
        case .reply:
            let seq = try u64()
            return .reply(seq: seq, try json.decode(ShardReply.self, from: rest()))
        case .histograms:
            let seq = try u64()
            let count = try u64()
            guard count <= 1 << 16 else { throw DistributedTrainingError("too many histograms in a frame") }
            var list: [HistogramPartial] = []
            for _ in 0..<count {
                let stride = Int(try u64()), rows = Int(try u64())
                var h = HistogramPartial(featureCount: 0, binStride: stride)
                h.rows = rows
                h.values = try doubles()
                list.append(h)
            }
            return .reply(seq: seq, .histograms(list))
        case .sample:
            let seq = try u64()
            let count = try u64()
            guard count <= 1 << 20 else { throw DistributedTrainingError("too many sample columns in a frame") }
            return .reply(seq: seq, .sample(try (0..<count).map { _ in try doubles() }))
        case .request:
            let seq = try u64()
            return .request(seq: seq, try json.decode(ShardRequest.self, from: rest()))
        case .finish:
            let f = try json.decode(Finish.self, from: rest())
            return .finish(outputs: f.outputs, metrics: f.metrics)
        case .abort:
            return .abort(String(decoding: bytes[at...], as: UTF8.self))
        }
    }

    /// Rewrites the seq of an encoded request frame (the same request sent to several shards).
    public static func setRequestSeq(_ seq: UInt64, in frame: inout [UInt8]) {
        precondition(frame.count >= 12 && frame[3] == Command.request.rawValue, "not an encoded request frame")
        withUnsafeBytes(of: seq.littleEndian) { for (i, b) in $0.enumerated() { frame[4 + i] = b } }
    }

    private static func append(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    /// The count, then the doubles (little-endian hosts only, as the histogram frames always were).
    private static func append(_ values: [Double], to out: inout [UInt8]) {
        append(UInt64(values.count), to: &out)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
    }
}
