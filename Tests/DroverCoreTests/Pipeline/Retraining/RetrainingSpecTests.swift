@testable import DroverCore
import Testing

@Suite("Pipeline spec: trigger, window and warm_start")
struct RetrainingSpecTests {
    static let base = """
    pipeline: churn-classifier
    model: churn
    datasets:
      churn: {span: latest}
    params: {label: churned}
    steps:
      validate: {dataset: churn}
      train: {needs: [validate], dataset: churn}

    """

    func load(_ extra: String) throws(PipelineSpecError) -> PipelineSpec {
        try PipelineSpecLoader.load(yaml: Self.base + extra, file: "p.yaml")
    }

    func error(_ extra: String) -> PipelineSpecError? {
        do {
            _ = try load(extra)
            return nil
        } catch {
            return error
        }
    }

    @Test("the issue's example loads: span rule with a drift threshold, a schedule, a window and a warm start")
    func full() throws {
        let spec = try load("""
        trigger: { on: span, drift_above: 0.2, schedule: "0 3 * * *" }
        window: { last: 3 }
        warm_start: champion
        """)
        #expect(spec.trigger == TriggerPolicy(onSpan: true, driftAbove: 0.2, schedule: try CronSchedule.parse("0 3 * * *")))
        #expect(spec.window == 3 && spec.warmStart == .champion)
    }

    @Test("drift_above alone judges spans; a schedule alone leaves spans to it")
    func implied() throws {
        #expect(try load("trigger: {drift_above: 0.3}").trigger?.onSpan == true)
        #expect(try load("trigger: {schedule: '*/10 * * * *'}").trigger?.onSpan == false)
        #expect(try load("").trigger == nil && (try load("")).warmStart == nil)
    }

    @Test("mistakes name file, line, column and field", arguments: [
        ("trigger: {on: spans}", "p.yaml:9:15: trigger.on: must be span"),
        ("trigger: {schedule: '0 25 * * *'}", "p.yaml:9:21: trigger.schedule: '0 25 * * *' is not a cron schedule: hour field '25'"),
        ("trigger: {drift_above: -1}", "p.yaml:9:24: trigger.drift_above: must be ≥ 0"),
        ("trigger: {drift: 0.2}", "p.yaml:9:11: trigger.drift: unknown field; allowed here: on, drift_above, schedule"),
        ("trigger: {}", "p.yaml:9:10: trigger: triggers nothing"),
        ("trigger: {on: schedule}", "p.yaml:9:10: trigger.on: `on: schedule` needs `schedule:"),
        ("window: {last: 0}", "p.yaml:9:16: window.last: must be a whole number from 1 to 1000"),
        ("window: {size: 3}", "p.yaml:9:10: window.size: unknown field"),
        ("warm_start: champoin", "p.yaml:9:13: warm_start: unknown warm start 'champoin'; did you mean 'champion'?"),
        ("trigers: {on: span}", "p.yaml:9:1: trigers: unknown field; did you mean 'trigger'?"),
    ])
    func mistakes(_ extra: String, _ expected: String) {
        let e = error(extra)
        #expect(e?.description.hasPrefix(expected) == true, "got: \(e?.description ?? "no error")")
    }

    @Test("a window needs a `span: latest` dataset")
    func windowNeedsLatest() {
        let yaml = Self.base.replacingOccurrences(of: "{span: latest}", with: "{span: 2}") + "window: {last: 2}"
        #expect(throws: PipelineSpecError.self) { try PipelineSpecLoader.load(yaml: yaml, file: "p.yaml") }
    }
}
