@testable import DroverCore
import Testing

@Suite("Pipeline spec: YAML and its errors")
struct PipelineSpecLoaderTests {
    static let good = """
    pipeline: diamonds-price
    model: diamonds
    datasets:
      diamonds: {span: latest}
    params:
      label: price
    shards: 3
    steps:
      validate:
        dataset: diamonds
      features:
        needs: [validate]
        dataset: diamonds
        params: {exclude: [id, cut]}
      train:
        needs: features
        params: {model: gbdt, trees: 40}
      evaluate:
        needs: [train]
      promote:
        needs: [evaluate]
        first_model: value-thresholds
        gates:
          - metric: rmse
            max: 2000
            change: {relative: 0.0}
          - {metric: r2, min: 0.5}
    """

    func error(_ yaml: String) -> PipelineSpecError? {
        do {
            _ = try PipelineSpecLoader.load(yaml: yaml, file: "p.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test("a complete pipeline loads with types, needs, params, gates and directions")
    func loadsGood() throws {
        let spec = try PipelineSpecLoader.load(yaml: Self.good, file: "p.yaml")
        #expect(spec.name == "diamonds-price" && spec.model == "diamonds" && spec.shards == 3 && spec.cache)
        #expect(spec.steps.map(\.type) == [.validate, .features, .train, .evaluate, .promote])
        #expect(spec.step(named: "train")?.needs == ["features"])
        #expect(spec.step(named: "features")?.params["exclude"] == "id,cut")
        #expect(spec.step(named: "train")?.params["trees"] == "40")
        let gates = spec.step(named: "promote")?.gates ?? []
        #expect(gates == [MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 2000),
                                          change: ChangeThreshold(relative: -0.0, direction: .lowerIsBetter)),
                          MetricThreshold(metric: "r2", value: ValueThreshold(lower: 0.5))])
        #expect(spec.datasets["diamonds"] == DatasetUse(dataset: "diamonds", span: .latest))
        #expect(spec.step(named: "promote")?.line == 20)
    }

    @Test("a typo in a step type names the line, the field and the closest type")
    func typoInType() throws {
        let e = try #require(error(Self.good.replacingOccurrences(of: "  train:\n    needs: features", with: "  train:\n    type: trian\n    needs: features")))
        #expect(e.line == 16 && e.field == "steps.train.type")
        #expect(e.description.contains("did you mean 'train'?"))
        #expect(e.description.hasPrefix("p.yaml:16:11: steps.train.type: unknown step type 'trian'"))
    }

    @Test("a need naming no step is refused with the list of steps")
    func unknownNeed() throws {
        let e = try #require(error(Self.good.replacingOccurrences(of: "needs: [train]", with: "needs: [trian]")))
        #expect(e.field == "steps.evaluate.needs" && e.line == 18)
        #expect(e.message.contains("unknown step 'trian'; did you mean 'train'?"))
    }

    @Test("a cycle is refused and spelled out")
    func cycle() throws {
        let e = try #require(error(Self.good.replacingOccurrences(of: "needs: [validate]", with: "needs: [validate, evaluate]")))
        #expect(e.message.contains("cycle"))
        #expect(e.field == "steps.features.needs" && e.line == 11)
        #expect(e.message.contains("features → evaluate → train → features (each needs the next)"))
    }

    @Test("an unknown metric in a gate names the metric and what evaluate reports")
    func unknownMetric() throws {
        let e = try #require(error(Self.good.replacingOccurrences(of: "metric: rmse", with: "metric: rmsee")))
        #expect(e.field == "steps.promote.gates[0].metric" && e.line == 24)
        #expect(e.message.contains("did you mean 'rmse'?") && e.message.contains("roc_auc"))
    }

    @Test("a step reading an undeclared dataset is refused")
    func missingDataset() throws {
        let e = try #require(error(Self.good.replacingOccurrences(of: "  validate:\n    dataset: diamonds", with: "  validate:\n    dataset: diamond")))
        #expect(e.field == "steps.validate.dataset")
        #expect(e.message.contains("dataset 'diamond' is not declared") && e.message.contains("did you mean 'diamonds'?"))
    }

    @Test("unknown fields are refused with what is allowed there")
    func unknownField() throws {
        let e = try #require(error(Self.good.replacingOccurrences(of: "shards: 3", with: "shard: 3")))
        #expect(e.line == 7 && e.field == "shard")
        #expect(e.message.contains("did you mean 'shards'?"))
        let g = try #require(error(Self.good.replacingOccurrences(of: "max: 2000", with: "maximum: 2000")))
        #expect(g.field == "steps.promote.gates[0].maximum" && g.message.contains("metric, direction, min, max, change"))
    }

    @Test("malformed YAML gives the line and column of the problem")
    func malformed() throws {
        let e = try #require(error("pipeline: x\nsteps:\n  a: [b\n"))
        #expect(e.line >= 3 && e.message.hasPrefix("not valid YAML"))
        #expect(error("")?.message.contains("empty") == true)
    }

    @Test("structural rules: promote needs evaluate, gates only on promote, required fields")
    func structure() throws {
        #expect(error(Self.good.replacingOccurrences(of: "needs: [evaluate]", with: "needs: [train]"))?.message.contains("needs an evaluate step") == true)
        #expect(error(Self.good.replacingOccurrences(of: "model: diamonds\n", with: ""))?.field == "model")
        #expect(error(Self.good.replacingOccurrences(of: "shards: 3", with: "shards: 0"))?.message.contains("from 1 to 1024") == true)
        #expect(error(Self.good.replacingOccurrences(of: "first_model: value-thresholds", with: "first_model: always"))?.message.contains("value-thresholds or reject") == true)
    }
}
