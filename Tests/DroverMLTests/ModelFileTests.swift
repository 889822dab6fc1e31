import Foundation
import Testing
@testable import DroverML

struct ModelFileTests {
    func trained(_ kind: ModelKind) throws -> (ModelFile, Table) {
        let table = ModelTestData.small(rows: 300)
        var o = TrainingOptions(kind: kind, label: kind == .linear || kind == .ridge ? "z" : "label")
        o.trees = 8
        return (try ModelTrainer.train(table, source: "memory", options: o), table)
    }

    @Test(arguments: ModelKind.allCases)
    func roundTripGivesIdenticalPredictions(kind: ModelKind) throws {
        let (model, table) = try trained(kind)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(kind.rawValue)-\(getpid()).drover").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let loaded = try ModelFile.read(path: path)
        #expect(loaded == model)
        let a = try model.predict(table, source: "memory"), b = try loaded.predict(table, source: "memory")
        #expect(a.values == b.values)
        #expect(a.probabilities == b.probabilities)
        #expect(a.classes == b.classes)
    }

    @Test func predictRejectsAMissingColumnByName() throws {
        let (model, table) = try trained(.logistic)
        let without = Table(columns: table.columns.filter { $0.name != "color" })
        #expect {
            try model.predict(without, source: "new.csv")
        } throws: { error in
            let e = error as? ModelError
            return e?.kind == .invalidInput && e!.message.contains("'color'") && e!.message.contains("new.csv")
        }
    }

    @Test func predictRejectsAColumnOfTheWrongType() throws {
        let (model, table) = try trained(.gbdt)
        var columns = table.columns
        columns[0] = Column(name: "x", codes: [Int32](repeating: 0, count: table.rowCount), categories: ["a"])
        #expect {
            try model.predict(Table(columns: columns), source: "new.csv")
        } throws: { error in
            (error as? ModelError)?.message.contains("column 'x' in new.csv is categorical") ?? false
        }
    }

    @Test func readRejectsANewerFormatVersion() throws {
        let (model, _) = try trained(.ridge)
        var json = try JSONSerialization.jsonObject(with: model.encoded()) as! [String: Any]
        json["formatVersion"] = 99
        let data = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: ModelError.self) { try ModelFile.decode(data, source: "m.drover") }
        #expect(throws: ModelError.self) { try ModelFile.decode(Data("{}".utf8), source: "m.drover") }
    }

    @Test func modelFileRecordsSignatureLabelAndTrainingMetadata() throws {
        let (model, _) = try trained(.logistic)
        #expect(model.format == "drover-model" && model.formatVersion == 2)
        #expect(model.signature.columns.map(\.name) == ["x", "z", "color"])
        #expect(model.signature.columns.map(\.type) == [.numeric, .numeric, .categorical])
        #expect(model.label.name == "label")
        #expect(model.training.trainingRows == 300)
        #expect(model.training.parameters.l2 == 1.0)
    }

    /// Metric names are snake_case in the model file as in the text report and job metrics;
    /// a version-1 file (camelCase `rocAUC`, `logLoss`) still reads with the same values.
    @Test func metricNamesAreSnakeCaseAndOldFilesStillRead() throws {
        var o = TrainingOptions(kind: .logistic, label: "label")
        o.holdoutModulo = 5
        let model = try ModelTrainer.train(ModelTestData.small(rows: 300), source: "memory", options: o)
        let text = String(decoding: try model.encoded(), as: UTF8.self)
        #expect(text.contains("\"roc_auc\"") && text.contains("\"log_loss\""))
        #expect(!text.contains("rocAUC") && !text.contains("logLoss"))
        #expect(model.training.holdoutMetrics?.items.map(\.0) == ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"])

        let old = text.replacingOccurrences(of: "\"roc_auc\"", with: "\"rocAUC\"")
            .replacingOccurrences(of: "\"log_loss\"", with: "\"logLoss\"")
            .replacingOccurrences(of: "\"formatVersion\" : 2", with: "\"formatVersion\" : 1")
        #expect(old.contains("\"formatVersion\" : 1") && old.contains("rocAUC"))
        let loaded = try ModelFile.decode(Data(old.utf8), source: "v1.drover")
        #expect(loaded.training.holdoutMetrics == model.training.holdoutMetrics)
        #expect(loaded.training.holdoutMetrics?.classification?.rocAUC != nil)
    }
}
