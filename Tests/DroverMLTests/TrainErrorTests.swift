import Testing
@testable import DroverML

/// Bad input gives a clear `ModelError` (which column, which file, what exists), never a crash.
struct TrainErrorTests {
    let table = ModelTestData.small(rows: 50)

    func message(_ o: TrainingOptions, _ t: Table? = nil) -> String {
        do {
            _ = try ModelTrainer.train(t ?? table, source: "data.csv", options: o)
            return ""
        } catch {
            return (error as? ModelError)?.description ?? "unexpected \(error)"
        }
    }

    @Test func missingLabelColumnNamesTheColumnsThatExist() {
        let m = message(TrainingOptions(kind: .logistic, label: "target"))
        #expect(m.contains("'target'") && m.contains("data.csv") && m.contains("x, z, color, label"))
    }

    @Test func unknownExcludeColumnIsAnError() {
        var o = TrainingOptions(kind: .ridge, label: "z")
        o.exclude = ["nope"]
        let m = message(o)
        #expect(m.contains("exclude") && m.contains("'nope'"))
    }

    @Test func labelWithOneClassIsAnError() {
        var columns = table.columns
        columns[3] = Column(name: "label", numbers: [Double](repeating: 1, count: 50))
        let m = message(TrainingOptions(kind: .logistic, label: "label"), Table(columns: columns))
        #expect(m.contains("only one class") && m.contains("'1'"))
    }

    @Test func allMissingFeatureColumnIsAnError() {
        var columns = table.columns
        columns.append(Column(name: "blank", numbers: [Double](repeating: .nan, count: 50)))
        let m = message(TrainingOptions(kind: .gbdt, label: "label"), Table(columns: columns))
        #expect(m.contains("'blank'") && m.contains("no values"))
    }

    @Test func textLabelForRegressionIsAnError() {
        let m = message(TrainingOptions(kind: .linear, label: "color"))
        #expect(m.contains("non-numeric") && m.contains("'color'"))
    }

    @Test func excludingEveryFeatureIsAnError() {
        var o = TrainingOptions(kind: .ridge, label: "z")
        o.exclude = ["x", "color", "label"]
        #expect(message(o).contains("no feature columns"))
    }

    @Test func holdoutClassUnknownToTheModelIsAnErrorNotACrash() throws {
        let model = try ModelTrainer.train(table, source: "data.csv", options: TrainingOptions(kind: .logistic, label: "label"))
        var columns = table.columns
        columns[3] = Column(name: "label", codes: [Int32](repeating: 0, count: 50), categories: ["maybe"])
        #expect(throws: ModelError.self) { try model.evaluate(Table(columns: columns), source: "new.csv") }
    }
}
