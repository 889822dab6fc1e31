import Foundation

/// Which learner produced a model.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    case logistic, linear, ridge, gbdt
}

/// What a model predicts.
public enum ModelTask: String, Codable, Sendable {
    case binary, multiclass, regression

    public var isClassification: Bool { self != .regression }
}

/// The label a model was trained on. `classes` are the class names in index order
/// (for binary tasks index 1 is the positive class); empty for regression.
public struct LabelInfo: Codable, Sendable, Equatable {
    public var name: String
    public var task: ModelTask
    public var classes: [String]
}

/// Hyper-parameters and provenance of a training run (only the fields that apply are set).
public struct TrainingParameters: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var holdoutModulo: Int?
    public var excluded: [String]
    public var l2: Double?
    public var alpha: Double?
    public var maxIterations: Int?
    public var trees: Int?
    public var leaves: Int?
    public var learningRate: Double?
    public var maxBins: Int?
    public var minDataInLeaf: Int?
    public var warmStartTrees: Int?
    /// GBDT: loss, subsampling, early stopping (rounds kept = `bestIteration`) and how many
    /// input features were split as categories.
    public var objective: String?
    public var baggingFraction: Double?
    public var baggingFreq: Int?
    public var featureFraction: Double?
    public var earlyStoppingRounds: Int?
    public var validationFraction: Double?
    public var bestIteration: Int?
    public var categoricalFeatures: Int?
}

/// Training metadata saved with the model.
public struct TrainingInfo: Codable, Sendable, Equatable {
    public var source: String
    public var trainingRows: Int
    public var holdoutRows: Int
    public var droppedRowsMissingLabel: Int
    public var startedAt: String
    public var seconds: Double
    public var parameters: TrainingParameters
    public var holdoutMetrics: EvaluationMetrics?
    /// Iterations the optimiser ran (logistic regression) and whether it converged.
    public var iterations: Int?
    public var converged: Bool?
}

/// A self-describing, versioned model: everything needed to check inputs, transform them and
/// predict, plus how it was trained. Serialised as one JSON document (docs/model-format.md).
public struct ModelFile: Codable, Sendable, Equatable {
    public static let formatName = "drover-model"
    /// 2: metric names in snake_case (`roc_auc`, `log_loss`); version 1 files still read.
    public static let currentVersion = 2

    public var format: String
    public var formatVersion: Int
    public var kind: ModelKind
    public var signature: InputSignature
    public var label: LabelInfo
    public var transform: FeatureTransform
    /// Set for `linear`, `ridge` and `logistic`.
    public var linear: LinearWeights?
    /// Set for `gbdt`.
    public var gbdt: GBDTModel?
    public var training: TrainingInfo

    public init(kind: ModelKind, signature: InputSignature, label: LabelInfo, transform: FeatureTransform,
                linear: LinearWeights?, gbdt: GBDTModel?, training: TrainingInfo) {
        self.format = Self.formatName
        self.formatVersion = Self.currentVersion
        self.kind = kind
        self.signature = signature
        self.label = label
        self.transform = transform
        self.linear = linear
        self.gbdt = gbdt
        self.training = training
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    public func write(to path: String) throws {
        do {
            try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelError.input("cannot write model file \(path): \(error.localizedDescription)",
                                   hint: "check that the directory exists and is writable")
        }
    }

    public static func decode(_ data: Data, source: String) throws -> ModelFile {
        struct Header: Decodable { var format: String?; var formatVersion: Int? }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let header = try? decoder.decode(Header.self, from: data), header.format == formatName else {
            throw ModelError(.invalidModelFile, "\(source) is not a Drover model file",
                             hint: "create one with: drover train data.csv --label <column> --out model.drover")
        }
        guard let version = header.formatVersion, version <= currentVersion else {
            throw ModelError(.invalidModelFile,
                             "\(source) has model format version \(header.formatVersion ?? -1); this drover reads up to \(currentVersion)",
                             hint: "upgrade drover or retrain the model")
        }
        do {
            let model = try decoder.decode(ModelFile.self, from: data)
            guard (model.kind == .gbdt) == (model.gbdt != nil), (model.kind == .gbdt) != (model.linear != nil) else {
                throw ModelError(.invalidModelFile, "\(source): model kind '\(model.kind.rawValue)' has no matching parameters")
            }
            return model
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError(.invalidModelFile, "\(source) is a damaged Drover model file: \(error)")
        }
    }

    public static func read(path: String) throws -> ModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.input("cannot read model file \(path)", hint: "check the path")
        }
        return try decode(data, source: path)
    }
}
