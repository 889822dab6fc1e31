import Foundation

/// The one parser of training options: `drover train` maps its flags to these parameters and
/// the `train` job passes its job parameters, so both accept the same values and reject the
/// same mistakes, each error naming the option the way the caller spells it.
extension TrainingOptions {
    /// Every parameter `init(params:)` reads, by job-parameter name.
    public static let parameterNames: [String] = [
        "model", "label", "exclude", "holdout_modulo", "seed", "trees", "leaves", "learning_rate",
        "max_bins", "min_data_in_leaf", "l2", "max_iterations", "threads",
        "objective", "bagging_fraction", "bagging_freq", "feature_fraction", "early_stopping_rounds",
        "validation_fraction", "categorical", "max_cat_threshold", "max_cat_to_onehot", "cat_smooth", "cat_l2",
        "min_data_per_group",
    ]

    /// Options from `params` (job-parameter names, values as text). Absent parameters keep
    /// their defaults; `label` is required; a present but bad value is an error naming it.
    public init(params: [String: String], spelling: OptionSpelling = .jobParameter) throws {
        let reader = ParameterReader(params: params, spelling: spelling)
        guard let label = params["label"], !label.isEmpty else {
            throw ModelError.input("\(spelling.name("label")) is missing", hint: "name the column to predict")
        }
        let modelName = params["model"] ?? ModelKind.gbdt.rawValue
        guard let kind = ModelKind(rawValue: modelName) else {
            throw ModelError.input("\(spelling.name("model")) is '\(modelName)', which is not a model",
                                   hint: "use one of: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(kind: kind, label: label)
        self.spelling = spelling
        exclude = (params["exclude"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        holdoutModulo = try reader.int("holdout_modulo", atLeast: 2)
        if let v = try reader.uint64("seed") { seed = v }
        if let v = try reader.int("trees", atLeast: 1) { trees = v }
        if let v = try reader.int("leaves", atLeast: 2) { leaves = v }
        if let v = try reader.double("learning_rate", positive: true) { learningRate = v }
        if let v = try reader.int("max_bins", atLeast: 2, atMost: 256) { maxBins = v }
        if let v = try reader.int("min_data_in_leaf", atLeast: 1) { minDataInLeaf = v }
        l2 = try reader.double("l2", positive: false)
        if let v = try reader.int("max_iterations", atLeast: 1) { maxIterations = v }
        if let v = try reader.int("threads", atLeast: 1) { (threads, shards) = (v, v) }
        try readGBDT(reader)
    }

    /// The GBDT-only parameters (LightGBM's names where LightGBM has one).
    private mutating func readGBDT(_ reader: ParameterReader) throws {
        if let text = reader.params["objective"] {
            let names = ["binary": GBDTObjective.binaryLogLoss, "multiclass": .multiclass, "regression": .squaredError]
            guard let v = names[text.trimmingCharacters(in: .whitespaces)] else {
                throw reader.bad("objective", text, "one of binary, multiclass, regression")
            }
            objective = v
        }
        if let v = try reader.double("bagging_fraction", positive: true, atMost: 1) { sampling.baggingFraction = v }
        if let v = try reader.int("bagging_freq", atLeast: 0) { sampling.baggingFrequency = v }
        if let v = try reader.double("feature_fraction", positive: true, atMost: 1) { sampling.featureFraction = v }
        if let v = try reader.int("early_stopping_rounds", atLeast: 0) { earlyStoppingRounds = v }
        if let v = try reader.double("validation_fraction", positive: true, atMost: 0.9) { validationFraction = v }
        if let text = reader.params["categorical"] {
            switch text.trimmingCharacters(in: .whitespaces) {
            case "native": categoricalSplits = true
            case "ordinal": categoricalSplits = false
            default: throw reader.bad("categorical", text, "native or ordinal")
            }
        }
        if let v = try reader.int("max_cat_threshold", atLeast: 1) { categorical.maxCatThreshold = v }
        if let v = try reader.int("max_cat_to_onehot", atLeast: 1) { categorical.maxCatToOnehot = v }
        if let v = try reader.double("cat_smooth", positive: false) { categorical.catSmooth = v }
        if let v = try reader.double("cat_l2", positive: false) { categorical.catL2 = v }
        if let v = try reader.int("min_data_per_group", atLeast: 1) { categorical.minDataPerGroup = v }
    }
}

/// Reads typed values out of text parameters, with errors that name the parameter.
private struct ParameterReader {
    var params: [String: String]
    var spelling: OptionSpelling

    func int(_ name: String, atLeast low: Int, atMost high: Int = .max) throws -> Int? {
        guard let text = params[name] else { return nil }
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= low, v <= high else {
            let range = high == .max ? "an integer ≥ \(low)" : "an integer in \(low)...\(high)"
            throw bad(name, text, range)
        }
        return v
    }

    func uint64(_ name: String) throws -> UInt64? {
        guard let text = params[name] else { return nil }
        guard let v = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
            throw bad(name, text, "an integer in 0...\(UInt64.max)")
        }
        return v
    }

    func double(_ name: String, positive: Bool, atMost high: Double = .infinity) throws -> Double? {
        guard let text = params[name] else { return nil }
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, positive ? v > 0 : v >= 0,
              v <= high else {
            let low = positive ? "> 0" : "≥ 0"
            throw bad(name, text, high.isFinite ? "a number \(low) and ≤ \(high)" : "a number \(low)")
        }
        return v
    }

    func bad(_ name: String, _ text: String, _ expected: String) -> ModelError {
        .input("\(spelling.name(name)) is '\(text)', which is not \(expected)")
    }
}
