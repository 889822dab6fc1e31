import Foundation
import Testing

/// The ML commands and the `train` job, run through the real binary.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct MLCommandTests {
    /// A small CSV: numeric `x`, categorical `city`, 0/1 `label` (deterministic).
    static func csv(rows: Int, cities: [String] = ["Paris", "Oslo", "Rome"]) -> String {
        var text = "x,city,label\n"
        for i in 0..<rows {
            let x = Double((i * 37) % 101) / 10
            text += "\(x),\(cities[i % cities.count]),\(x + Double(i % 3) > 5 ? 1 : 0)\n"
        }
        return text
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("data validate --reference without --schema infers the schema from the reference")
    func validateInfersSchemaFromReference() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let train = try Self.write(Self.csv(rows: 300), "train.csv", in: cluster.dir)
        let same = try Self.write(Self.csv(rows: 200), "same.csv", in: cluster.dir)
        let newCity = try Self.write(Self.csv(rows: 200, cities: ["Paris", "Lima"]), "new.csv", in: cluster.dir)

        let pass = try drover(["data", "validate", same, "--reference", train, "--json"])
        #expect(pass.status == 0, "\(pass.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(pass.stdout.utf8)) as? [String: Any])
        #expect(report["verdict"] as? String == "pass")
        #expect((report["schema"] as? String)?.contains("inferred from \(train)") == true)
        #expect(report["drift"] != nil)

        // The inferred schema knows the reference's cities: an unseen one is an error (exit 3).
        let fail = try drover(["data", "validate", newCity, "--reference", train, "--json"])
        #expect(fail.status == 3, "\(fail.stdout) \(fail.stderr)")
        #expect(fail.stdout.contains("ENUM_TYPE_UNEXPECTED_STRING_VALUES") && fail.stdout.contains("Lima"))

        // Neither a schema nor a reference: a usage error.
        #expect(try drover(["data", "validate", same]).status == 2)
    }

    @Test("drover train rejects a bad option naming the flag; the report uses snake_case metric names")
    func trainFlagsAndMetricNames() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let data = try Self.write(Self.csv(rows: 300), "train.csv", in: cluster.dir)
        let out = cluster.dir.appendingPathComponent("m.drover").path

        let bad = try drover(["train", data, "--label", "label", "--learning-rate", "fast", "--out", out])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--learning-rate is 'fast'"), "\(bad.stderr)")

        let text = try drover(["train", data, "--label", "label", "--model", "logistic", "--holdout-modulo", "5",
                                    "--threads", "1", "--out", out])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("roc_auc") && text.stdout.contains("log_loss"))
        let json = try drover(["train", data, "--label", "label", "--model", "logistic", "--holdout-modulo", "5",
                                    "--out", out, "--json"])
        #expect(json.stdout.contains("\"roc_auc\"") && json.stdout.contains("\"log_loss\"") && !json.stdout.contains("rocAUC"))
        let evaluated = try drover(["evaluate", out, data, "--json"])
        #expect(evaluated.stdout.contains("\"roc_auc\"") && !evaluated.stdout.contains("rocAUC"))
    }

    @Test("gbdt trains a three-class text label; --type makes a numeric-looking column categorical, and predict reads it so")
    func gbdtMulticlassAndForcedCategoricalColumn() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        var text = "store,x,band\n"
        for i in 0..<600 {
            let store = [101, 205, 307, 409][i % 4], x = Double((i * 37) % 101) / 10
            text += "\(store),\(i % 10 == 0 ? "" : String(x)),\(store == 101 || store == 409 ? "low" : (x > 5 ? "high" : "mid"))\n"
        }
        let data = try Self.write(text, "bands.csv", in: cluster.dir)
        let out = cluster.dir.appendingPathComponent("bands.drover").path
        let trained = try drover(["train", data, "--label", "band", "--type", "store=categorical", "--trees", "30",
                                  "--holdout-modulo", "5", "--out", out, "--json"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as? [String: Any])
        #expect(report["task"] as? String == "multiclass" && report["classes"] as? [String] == ["high", "low", "mid"])
        let model = try String(contentsOfFile: out, encoding: .utf8)
        #expect(model.contains("\"categoryWords\"") && model.contains("\"multiclass\""))
        let predicted = try drover(["predict", out, data])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        #expect(predicted.stdout.split(separator: "\n").count == 601)
        #expect(try drover(["train", data, "--label", "band", "--type", "store", "--out", out]).status == 2)
    }

    @Test("a train job with a bad parameter fails with a message naming the job parameter, not a CLI flag")
    func trainJobNamesBadParameter() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let data = try Self.write(Self.csv(rows: 300), "train.csv", in: cluster.dir)
        let out = cluster.dir.appendingPathComponent("job.drover").path
        let coordinator = try cluster.coordinator()
        let worker = try cluster.worker("w1")
        defer { worker.stop(); coordinator.stop() }

        let submitted = try cluster.run(["submit", "--kind", "train", "--param", "data=\(data)", "--param", "label=label",
                                         "--param", "out=\(out)", "--param", "seed=abc", "--wait"])
        #expect(submitted.status == 1)
        let failed = try jobInfo(cluster, 1)
        #expect(failed["state"] as? String == "failed")
        let message = failed["message"] as? String ?? ""
        #expect(message.contains("job parameter 'seed'") && message.contains("'abc'") && !message.contains("--"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: out))

        // A good job reports snake_case metrics.
        let good = try cluster.run(["submit", "--kind", "train", "--param", "data=\(data)", "--param", "label=label",
                                    "--param", "out=\(out)", "--param", "holdout_modulo=5", "--param", "model=logistic",
                                    "--param", "threads=1", "--wait"])
        #expect(good.status == 0, "\(good.stderr)")
        let metrics = try jobInfo(cluster, 2)["metrics"] as? [String: Any] ?? [:]
        #expect(metrics["roc_auc"] != nil && metrics["log_loss"] != nil && metrics["train_rows"] != nil, "\(metrics)")
    }

    private func jobInfo(_ cluster: TestCluster, _ id: Int) throws -> [String: Any] {
        let r = try cluster.run(["status", "\(id)", "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }
}
