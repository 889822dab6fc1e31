@testable import DroverServing
import DroverML
import Foundation
import Testing

@Suite("Serving hot path: the answer written by hand, small requests predicted inline")
struct ServingHotPathTests {
    static func model() throws -> ModelFile {
        var csv = "x,plan,label\n"
        for i in 0..<400 { csv += "\(i % 37),\(["a", "b", "c"][i % 3]),\(i % 37 > 18 || i % 3 == 0 ? "yes" : "no")\n" }
        let table = try CSVReader.read(data: Array(csv.utf8), source: "mem.csv",
                                       options: CSVOptions(columnTypes: ["plan": .categorical, "label": .categorical], threads: 1))
        var o = TrainingOptions(kind: .gbdt, label: "label")
        o.trees = 5
        return try ModelTrainer.train(table, source: "memory", options: o)
    }

    static func encoded(_ reply: ModelService.Reply) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(reply))
    }

    @Test("the answer's bytes equal JSONEncoder's with sorted keys (classes, values, features, escapes)")
    func replyBytes() throws {
        let classified = PredictionOutput(prediction: .string("yes"), probability: 0.9749668455876392,
                                          probabilities: ["no": 0.02503315441236076, "yes": 0.9749668455876392])
        let replies = [
            ModelService.Reply(model: "churn", version: 3, arm: "champion", requestID: "73e28404-be20", predictions: [classified, classified],
                               features: nil),
            ModelService.Reply(model: "price", version: 12, arm: "challenger", requestID: "a/b \"q\" \\ \n\t\u{1}é",
                               predictions: [PredictionOutput(prediction: .number(41)), PredictionOutput(prediction: .number(-0.125)),
                                             PredictionOutput(prediction: .number(123456.789))],
                               features: [["v": "present", "u": "stale"], [:]]),
            ModelService.Reply(model: "m", version: 1, arm: "shadow", requestID: "r", predictions: [], features: []),
        ]
        for reply in replies {
            let mine = ReplyJSON.bytes(reply)
            #expect(String(decoding: mine, as: UTF8.self) == String(decoding: try Self.encoded(reply), as: UTF8.self))
        }
        // A number JSONEncoder refuses (NaN) is null, not a failed request.
        let nan = ModelService.Reply(model: "m", version: 1, arm: "a", requestID: "r", predictions: [PredictionOutput(prediction: .number(.nan))],
                                     features: nil)
        #expect(try JSONParser.parse(ReplyJSON.bytes(nan)) != .null)
        #expect(String(decoding: ReplyJSON.bytes(nan), as: UTF8.self).contains(#"{"prediction":null}"#))
    }

    @Test("a lone small request is predicted on the caller's thread; large ones and --inline-rows 0 use the batch thread; same answers")
    func inlinePrediction() async throws {
        let file = try Self.model()
        let rows: [JSONValue] = (0..<40).map { .object(["x": .number(Double($0)), "plan": .string(["a", "b", "c"][$0 % 3])]) }
        let inline = ServedModel(name: "m", version: 1, digest: "d", model: file, inlineRows: 16)
        let threaded = ServedModel(name: "m", version: 1, digest: "d", model: file, inlineRows: 0)
        let small = try inline.validate(Array(rows.prefix(3)))
        let a = try await inline.predict(small)
        #expect(!inline.batcher.threadStarted)
        let b = try await threaded.predict(try threaded.validate(Array(rows.prefix(3))))
        #expect(threaded.batcher.threadStarted)
        #expect(a == b && a.count == 3)
        // More rows than --inline-rows: the batch thread, and the same answers row for row.
        let large = try await inline.predict(try inline.validate(rows))
        #expect(inline.batcher.threadStarted)
        #expect(Array(large.prefix(3)) == a)
        // Concurrent small requests: each gets its own rows' answers, whichever path it took.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask {
                    let r = i % 37
                    let out = try await inline.predict(try inline.validate([rows[r]]))
                    return out == [large[r]]
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }

    @Test("request ids: lowercase UUID v4 text, from the system generator, no repeats")
    func requestIDs() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = RequestID.random()
            let groups = id.split(separator: "-").map(\.count)
            #expect(groups == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase })
            #expect(Array(id)[14] == "4" && "89ab".contains(Array(id)[19]))
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
        #expect(UUID(uuidString: RequestID.random()) != nil)
    }
}
