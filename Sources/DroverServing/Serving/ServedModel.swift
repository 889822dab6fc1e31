import DroverML
import Foundation

/// One loaded model version: the parsed model file and the batcher that runs it. Immutable;
/// a hot swap replaces the whole value, so a request keeps the version it started with.
public final class ServedModel: Sendable {
    public let name: String
    public let version: Int
    public let digest: String
    public let model: ModelFile
    let batcher: PredictionBatcher

    public init(name: String, version: Int, digest: String, model: ModelFile, maxBatchRows: Int = 4_096, inlineRows: Int = 16) {
        self.name = name
        self.version = version
        self.digest = digest
        self.model = model
        self.batcher = PredictionBatcher(model: model, maxRows: maxBatchRows, inlineRows: inlineRows)
    }

    deinit { batcher.close() }

    /// Validates rows against this version's signature.
    public func validate(_ rows: [JSONValue], passThrough: Set<String> = []) throws(RequestError) -> InputRows {
        try InputRows(rows: rows, signature: model.signature, model: "\(name) version \(version)", passThrough: passThrough)
    }

    /// Predicts validated rows (batched with concurrent requests, off the cooperative pool).
    public func predict(_ rows: InputRows) async throws -> [PredictionOutput] {
        try await batcher.predict(rows)
    }

    /// Predicts validated rows on the calling thread (a small request: `ModelService.predictInline`).
    func predictHere(_ rows: InputRows) -> [PredictionOutput] {
        batcher.predictNow(rows)
    }
}

/// One row's answer: the class (or value) and, for classifiers, the class probabilities.
public struct PredictionOutput: Sendable, Codable, Equatable {
    public var prediction: JSONValue
    public var probability: Double?
    public var probabilities: [String: Double]?

    /// A number for comparisons and the prediction histogram: the value, or the positive class's
    /// probability (binary), or the predicted class's probability.
    public var score: Double {
        if case .number(let v) = prediction { return v }
        return probabilities?.count == 2 ? (probabilities?.sorted { $0.key < $1.key }.last?.value ?? probability ?? 0) : (probability ?? 0)
    }

    static func rows(_ p: Predictions, label: LabelInfo, count: Int) -> [PredictionOutput] {
        (0..<count).map { r in
            guard label.task.isClassification else { return PredictionOutput(prediction: .number(p.values[r])) }
            let k = p.classes[r]
            var all: [String: Double] = [:]
            for (c, name) in label.classes.enumerated() { all[name] = p.probabilities[r * p.classCount + c] }
            return PredictionOutput(prediction: .string(label.classes[k]), probability: p.probabilities[r * p.classCount + k],
                                    probabilities: all)
        }
    }
}
