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
        #expect(model.format == "drover-model" && model.formatVersion == 1)
        #expect(model.signature.columns.map(\.name) == ["x", "z", "color"])
        #expect(model.signature.columns.map(\.type) == [.numeric, .numeric, .categorical])
        #expect(model.label.name == "label")
        #expect(model.training.trainingRows == 300)
        #expect(model.training.parameters.l2 == 1.0)
    }
}
