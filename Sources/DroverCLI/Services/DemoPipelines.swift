import DroverArtifacts
import DroverClient
import DroverProtocol
import Foundation

/// The MLOps loop in `drover demo`: a churn pipeline on the generated customers — a first model
/// promoted, a weaker configuration rejected (`@champion` stays), a span without a column
/// blocked at validation. Spans are pinned by number, so a demo run again on the same data
/// directory decides the same way (its steps then come from the cache).
enum DemoPipelines {
    static func yaml(span: Int) -> String {
        """
        pipeline: churn
        model: churn
        datasets:
          customers: {span: \(span)}
        params: {label: churned, model: gbdt, trees: 40, seed: 7}
        shards: 2
        steps:
          validate: {dataset: customers}
          features: {needs: [validate], dataset: customers}
          train: {needs: [features]}
          evaluate: {needs: [train]}
          promote:
            needs: [evaluate]
            gates:
              - {metric: roc_auc, min: 0.8, change: {absolute: 0}}
        """
    }

    static func run(client: DroverClient, dataDir: String, customers: String, json: Bool) throws -> [DemoCommand.Step] {
        let store = try ArtifactStore(dataDirectory: dataDir)
        func add(_ file: String) throws -> Int {
            let ref = try store.put(fileAt: file)
            return try client.command(AddSpan(dataset: "customers", artifact: ref.description, rows: try DataAdd.rows(file))).span
        }
        let good = try add(customers)
        let broken = try add(try DemoData.writeBroken(from: customers))
        if !json { Output.line("pipelines: churn on span \(good) of customers, then span \(broken) without support_tickets (drover runs list --data-dir \(dataDir))") }
        return [
            try pipeline(client, "pipeline: first model", yaml(span: good), [:], expect: "promoted", json: json),
            try pipeline(client, "pipeline: weaker (trees=1)", yaml(span: good), ["trees": "1"], expect: "rejected", json: json),
            try pipeline(client, "pipeline: span without a column", yaml(span: broken), [:], expect: "blocked", json: json),
        ]
    }

    static func pipeline(_ client: DroverClient, _ name: String, _ yaml: String, _ params: [String: String],
                         expect: String, json: Bool) throws -> DemoCommand.Step {
        let start = ContinuousClock.now
        var info = try client.command(StartRun(file: "demo-churn.yaml", yaml: yaml, params: params))
        let deadline = start + .seconds(300)
        while !info.isFinished, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.1) // a polling period for the report, not synchronisation
            info = try client.query(RunQuery(id: info.id))
        }
        let d = ContinuousClock.now - start
        let step = DemoCommand.Step(name: name, jobs: info.steps.reduce(0) { $0 + $1.jobs }, states: [info.state: 1],
                                    seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18,
                                    expected: expect, ok: info.state == expect)
        if !json {
            Output.line("  \(step.ok ? "✔" : "✘") \(name.padding(toLength: 33, withPad: " ", startingAt: 0))"
                        + "run \(info.id) \(info.state)" + String(format: " in %.2f s", step.seconds) + ": \(info.message ?? "")")
        }
        return step
    }
}
