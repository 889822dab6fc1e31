import Testing
@testable import DroverML

/// `TrainingOptions(params:)` is the one parser behind `drover train` and the `train` job.
struct TrainingOptionsTests {
    func failure(_ params: [String: String], _ spelling: OptionSpelling = .jobParameter) -> String {
        do {
            _ = try TrainingOptions(params: params, spelling: spelling)
            return ""
        } catch {
            return (error as? ModelError)?.description ?? "unexpected \(error)"
        }
    }

    @Test func absentParametersKeepTheDefaults() throws {
        let o = try TrainingOptions(params: ["label": "y"])
        #expect(o.kind == .gbdt && o.label == "y" && o.trees == 100 && o.learningRate == 0.1)
        #expect(o.seed == 0 && o.holdoutModulo == nil && o.l2 == nil && o.exclude.isEmpty)
        #expect(o.threads == ParallelShards.defaultThreads && o.threads >= 1)
    }

    @Test func everyParameterIsRead() throws {
        let o = try TrainingOptions(params: [
            "label": "y", "model": "logistic", "exclude": "a, b", "holdout_modulo": "5", "seed": "7",
            "trees": "3", "leaves": "4", "learning_rate": "0.5", "max_bins": "16", "min_data_in_leaf": "2",
            "l2": "0.25", "max_iterations": "9", "threads": "3",
        ])
        #expect(o.kind == .logistic && o.exclude == ["a", "b"] && o.holdoutModulo == 5 && o.seed == 7)
        #expect(o.trees == 3 && o.leaves == 4 && o.learningRate == 0.5 && o.maxBins == 16)
        #expect(o.minDataInLeaf == 2 && o.l2 == 0.25 && o.maxIterations == 9 && o.threads == 3 && o.shards == 3)
        #expect(Set(TrainingOptions.parameterNames) == ["model", "label", "exclude", "holdout_modulo", "seed", "trees",
                                                         "leaves", "learning_rate", "max_bins", "min_data_in_leaf",
                                                         "l2", "max_iterations", "threads", "objective",
                                                         "bagging_fraction", "bagging_freq", "feature_fraction",
                                                         "early_stopping_rounds", "validation_fraction", "categorical",
                                                         "max_cat_threshold", "max_cat_to_onehot", "cat_smooth", "cat_l2",
                                                         "min_data_per_group"])
    }

    @Test func everyGBDTParameterIsRead() throws {
        let o = try TrainingOptions(params: [
            "label": "y", "objective": "multiclass", "bagging_fraction": "0.8", "bagging_freq": "2",
            "feature_fraction": "0.5", "early_stopping_rounds": "7", "validation_fraction": "0.2",
            "categorical": "ordinal", "max_cat_threshold": "16", "max_cat_to_onehot": "6", "cat_smooth": "5",
            "cat_l2": "1", "min_data_per_group": "50",
        ])
        #expect(o.objective == .multiclass && o.sampling.baggingFraction == 0.8 && o.sampling.baggingFrequency == 2)
        #expect(o.sampling.featureFraction == 0.5 && o.earlyStoppingRounds == 7 && o.validationFraction == 0.2)
        #expect(!o.categoricalSplits && o.categorical.maxCatThreshold == 16 && o.categorical.maxCatToOnehot == 6)
        #expect(o.categorical.catSmooth == 5 && o.categorical.catL2 == 1 && o.categorical.minDataPerGroup == 50)
        let defaults = try TrainingOptions(params: ["label": "y"])
        #expect(defaults.objective == nil && defaults.categoricalSplits && defaults.categorical == CategoricalSplitter())
        #expect(defaults.sampling == GBDTSampling() && defaults.earlyStoppingRounds == 0)
    }

    /// Bad values were once dropped silently (a job with seed=abc trained with seed 0).
    @Test(arguments: [("seed", "abc"), ("seed", "-1"), ("trees", "many"), ("trees", "0"),
                      ("learning_rate", "fast"), ("learning_rate", "0"), ("learning_rate", "nan"),
                      ("holdout_modulo", "1"), ("max_bins", "300"), ("l2", "-1"), ("threads", "0"),
                      ("objective", "poisson"), ("bagging_fraction", "1.5"), ("feature_fraction", "0"),
                      ("validation_fraction", "1"), ("categorical", "onehot"), ("bagging_freq", "-1")])
    func badValueIsAnErrorNamingTheJobParameter(name: String, value: String) {
        let m = failure(["label": "y", name: value])
        #expect(m.contains("job parameter '\(name)'") && m.contains("'\(value)'"), "\(m)")
        #expect(!m.contains("--"), "a job's error must not name CLI flags: \(m)")
    }

    @Test func theCLISpellingNamesFlags() {
        let m = failure(["label": "y", "learning_rate": "fast"], .cliFlag)
        #expect(m.contains("--learning-rate is 'fast'"), "\(m)")
    }

    @Test func unknownModelAndMissingLabelAreErrors() {
        #expect(failure(["label": "y", "model": "forest"]).contains("job parameter 'model' is 'forest'"))
        #expect(failure(["model": "gbdt"]).contains("job parameter 'label' is missing"))
    }

    /// Errors raised while training (not while parsing) use the caller's spelling too.
    @Test func trainingErrorsFollowTheSpelling() throws {
        let table = ModelTestData.small(rows: 50)
        for (spelling, expected) in [(OptionSpelling.jobParameter, "job parameter 'exclude'"), (.cliFlag, "--exclude")] {
            let o = try TrainingOptions(params: ["label": "z", "model": "ridge", "exclude": "nope"], spelling: spelling)
            do {
                _ = try ModelTrainer.train(table, source: "data.csv", options: o)
                Issue.record("expected an error")
            } catch let error as ModelError {
                #expect(error.message.contains(expected), "\(error)")
            }
        }
    }

    @Test func theThreadsOptionIsUsedByTraining() throws {
        let table = ModelTestData.small(rows: 400)
        var one = try TrainingOptions(params: ["label": "label", "trees": "5", "threads": "1"])
        let a = try ModelTrainer.train(table, source: "memory", options: one)
        one.threads = 3
        one.shards = 3
        let b = try ModelTrainer.train(table, source: "memory", options: one)
        // Same model up to floating-point summation order across 1 and 3 shards.
        let (pa, pb) = (try a.predict(table, source: "memory", threads: 1), try b.predict(table, source: "memory", threads: 3))
        #expect(pa.probabilities.count == 800 && zip(pa.probabilities, pb.probabilities).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($0)) })
    }
}
