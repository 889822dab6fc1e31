import Testing
@testable import DroverML

struct PreprocessTests {
    let train = Table(columns: [
        Column(name: "n", numbers: [1, .nan, 3, 5]),
        Column(name: "c", codes: [0, 1, 1, -1], categories: ["a", "b"]),
    ])

    @Test func numericMissingValuesAreImputedWithTheMeanThenStandardised() throws {
        let t = try FeatureTransform.fit(train, columns: ["n"], options: .linear)
        guard case .numeric(let s) = t.steps[0] else { Issue.record("not numeric"); return }
        #expect(s.fill == 3)
        let m = t.apply(train)
        #expect(abs(m[1, 0]) < 1e-12)  // imputed mean → 0 after centring
        let values = (0..<4).map { m[$0, 0] }
        #expect(abs(values.reduce(0, +)) < 1e-12)
    }

    @Test func medianImputationUsesTheMedian() throws {
        var o = FeatureTransformOptions.trees
        o.numericImputation = .median
        let t = try FeatureTransform.fit(train, columns: ["n"], options: o)
        #expect(t.apply(train)[1, 0] == 3)
    }

    @Test func oneHotEncodesLevelsAndImputesTheMostFrequent() throws {
        let t = try FeatureTransform.fit(train, columns: ["c"], options: .linear)
        #expect(t.featureNames == ["c=a", "c=b"])
        let m = t.apply(train)
        #expect((0..<4).map { m[$0, 1] } == [0, 1, 1, 1])  // missing → most frequent "b"
    }

    @Test func unseenCategoriesAreAllZeroOneHotAndTheFillLevelOrdinal() throws {
        let new = Table(columns: [Column(name: "c", codes: [0, 1], categories: ["zzz", "a"])])
        let oneHot = try FeatureTransform.fit(train, columns: ["c"], options: .linear).apply(new)
        #expect(oneHot[0, 0] == 0 && oneHot[0, 1] == 0)
        #expect(oneHot[1, 0] == 1)
        let ordinal = try FeatureTransform.fit(train, columns: ["c"], options: .trees).apply(new)
        #expect(ordinal[0, 0] == 1)  // unseen → fill level "b" (index 1)
        #expect(ordinal[1, 0] == 0)
    }

    @Test func missingLevelImputationAddsAnExplicitLevel() throws {
        var o = FeatureTransformOptions.linear
        o.categoricalImputation = .missingLevel
        let t = try FeatureTransform.fit(train, columns: ["c"], options: o)
        #expect(t.featureNames == ["c=a", "c=b", "c=(missing)"])
        #expect(t.apply(train)[3, 2] == 1)
    }

    @Test func anAllMissingColumnIsAClearError() {
        let t = Table(columns: [Column(name: "empty", numbers: [.nan, .nan])])
        #expect {
            try FeatureTransform.fit(t, columns: ["empty"], options: .linear, source: "d.csv")
        } throws: { error in
            let m = (error as? ModelError)?.description ?? ""
            return m.contains("'empty'") && m.contains("d.csv") && m.contains("exclude=empty")
        }
    }
}
