import Foundation

/// Frames of the data-parallel training socket (docs/protocol.md, "Data-parallel training"):
/// one ZeroMQ frame each, `"DT"`, version 1, a command byte, then the body. Requests and most
/// replies carry JSON; histogram and bin-sample replies (the bulk of GBDT traffic) carry raw
/// little-endian doubles.
public enum TrainingFrame: Sendable, Equatable {
    /// Worker → coordinator: the shard job `job` serves shard `shard` of `session`;
    /// `binaryGrow`: it reads GROW frames (0x44), so `grow` requests need not be JSON;
    /// `binaryTrees`: it also reads 0x45, a GROW frame whose finished trees are not JSON either.
    case hello(session: String, shard: Int, job: String, binaryGrow: Bool = false, binaryTrees: Bool = false)
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
        case hello = 0x01, reply = 0x02, histograms = 0x03, sample = 0x04
        case request = 0x41, finish = 0x42, abort = 0x43, grow = 0x44, growBinaryTrees = 0x45
    }

    private struct Finish: Codable { var outputs: [String: String]; var metrics: [String: Double] }
    private struct Hello: Codable {
        var session: String, shard: Int, job: String
        var binaryGrow: Bool?, binaryTrees: Bool?
    }

    /// The frame answering `request` with `reply`: a bin sample goes as raw doubles only to a
    /// coordinator that asked for them (`SampleRequest.rawReply`), as JSON to an older one.
    public static func reply(seq: UInt64, _ reply: ShardReply, to request: ShardRequest) throws -> [UInt8] {
        if case .sample(let asked) = request, asked.rawReply != true, case .sample = reply {
            return try TrainingFrame.reply(seq: seq, reply).encoded(rawSample: false)
        }
        return try TrainingFrame.reply(seq: seq, reply).encoded()
    }

    /// The frame's bytes. For a shard that said so in HELLO, a `grow` request is a GROW frame: 0x45
    /// with `binaryTrees`, else 0x44 with `binaryGrow`.
    public func encoded(binaryGrow: Bool = false, binaryTrees: Bool = false) throws -> [UInt8] {
        try encoded(rawSample: true, binaryGrow: binaryGrow, binaryTrees: binaryTrees)
    }

    private func encoded(rawSample: Bool, binaryGrow: Bool = false, binaryTrees: Bool = false) throws -> [UInt8] {
        let json = JSONEncoder()
        switch self {
        case .hello(let session, let shard, let job, let binaryGrow, let binaryTrees):
            let hello = Hello(session: session, shard: shard, job: job, binaryGrow: binaryGrow ? true : nil,
                              binaryTrees: binaryTrees ? true : nil)
            return Self.magic + [Command.hello.rawValue] + Array(try json.encode(hello))
        case .reply(let seq, .histograms(let list)):
            var out = Self.magic + [Command.histograms.rawValue]
            out.reserveCapacity(out.count + 16 + list.reduce(0) { $0 + 24 + 8 * $1.values.count })
            ByteWriter.append(seq, to: &out)
            ByteWriter.append(UInt64(list.count), to: &out)
            for h in list {
                ByteWriter.append(UInt64(h.binStride), to: &out)
                ByteWriter.append(UInt64(h.rows), to: &out)
                ByteWriter.append(h.values, to: &out)
            }
            return out
        case .reply(let seq, .sample(let columns)) where rawSample:
            var out = Self.magic + [Command.sample.rawValue]
            out.reserveCapacity(out.count + 16 + columns.reduce(0) { $0 + 8 + 8 * $1.count })
            ByteWriter.append(seq, to: &out)
            ByteWriter.append(UInt64(columns.count), to: &out)
            for c in columns { ByteWriter.append(c, to: &out) }
            return out
        case .reply(let seq, let reply):
            var out = Self.magic + [Command.reply.rawValue]
            ByteWriter.append(seq, to: &out)
            return out + Array(try json.encode(reply))
        case .request(let seq, .grow(let grow)) where binaryGrow || binaryTrees:
            var out = Self.magic + [(binaryTrees ? Command.growBinaryTrees : Command.grow).rawValue]
            ByteWriter.append(seq, to: &out)
            try grow.appendBinary(to: &out, binaryTrees: binaryTrees)
            return out
        case .request(let seq, let request):
            var out = Self.magic + [Command.request.rawValue]
            ByteWriter.append(seq, to: &out)
            return out + Array(try json.encode(request))
        case .finish(let outputs, let metrics):
            return Self.magic + [Command.finish.rawValue] + Array(try json.encode(Finish(outputs: outputs, metrics: metrics)))
        case .abort(let message):
            return Self.magic + [Command.abort.rawValue] + Array(message.utf8)
        }
    }

    public static func decode(_ bytes: [UInt8]) throws -> TrainingFrame {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Decodes a frame in borrowed memory (a received message, read without copying it first).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> TrainingFrame {
        guard bytes.count >= 4, bytes[0..<3].elementsEqual(magic), let command = Command(rawValue: bytes[3]) else {
            throw DistributedTrainingError("not a training frame (bad magic, version or command)")
        }
        var r = ByteReader(bytes, at: 4)
        let json = JSONDecoder()
        func rest() -> Data { Data(r.rest) }
        switch command {
        case .hello:
            let h = try json.decode(Hello.self, from: rest())
            return .hello(session: h.session, shard: h.shard, job: h.job, binaryGrow: h.binaryGrow ?? false,
                          binaryTrees: h.binaryTrees ?? false)
        case .reply:
            let seq = try r.u64()
            return .reply(seq: seq, try json.decode(ShardReply.self, from: rest()))
        case .histograms:
            let seq = try r.u64()
            let count = try r.u64()
            guard count <= 1 << 16 else { throw DistributedTrainingError("too many histograms in a frame") }
            var list: [HistogramPartial] = []
            for _ in 0..<count {
                let stride = try r.int(), rows = try r.int()
                var h = HistogramPartial(featureCount: 0, binStride: stride)
                h.rows = rows
                h.values = try r.doubles()
                list.append(h)
            }
            return .reply(seq: seq, .histograms(list))
        case .sample:
            let seq = try r.u64()
            let count = try r.u64()
            guard count <= 1 << 20 else { throw DistributedTrainingError("too many sample columns in a frame") }
            return .reply(seq: seq, .sample(try (0..<count).map { _ in try r.doubles() }))
        case .request:
            let seq = try r.u64()
            return .request(seq: seq, try json.decode(ShardRequest.self, from: rest()))
        case .grow, .growBinaryTrees:
            let seq = try r.u64()
            let grow = try GrowRequest(binary: &r, binaryTrees: command == .growBinaryTrees)
            guard r.remaining == 0 else { throw DistributedTrainingError("trailing bytes after a GROW frame") }
            return .request(seq: seq, .grow(grow))
        case .finish:
            let f = try json.decode(Finish.self, from: rest())
            return .finish(outputs: f.outputs, metrics: f.metrics)
        case .abort:
            return .abort(String(decoding: r.rest, as: UTF8.self))
        }
    }

    /// Rewrites the seq of an encoded request frame (the same request sent to several shards).
    public static func setRequestSeq(_ seq: UInt64, in frame: inout [UInt8]) {
        precondition(frame.count >= 12 && [Command.request, .grow, .growBinaryTrees].map(\.rawValue).contains(frame[3]),
                     "not an encoded request frame")
        withUnsafeBytes(of: seq.littleEndian) { for (i, b) in $0.enumerated() { frame[4 + i] = b } }
    }
}
