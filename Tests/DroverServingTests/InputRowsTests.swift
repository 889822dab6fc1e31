import DroverML
import DroverServing
import Foundation
import Testing

@Suite("Request validation against a model signature")
struct InputRowsTests {
    let signature = InputSignature(columns: [ColumnSpec(name: "age", type: .numeric), ColumnSpec(name: "plan", type: .categorical),
                                             ColumnSpec(name: "active", type: .boolean)])

    func rows(_ json: String) throws -> [JSONValue] {
        try JSONDecoder().decode([JSONValue].self, from: Data(json.utf8))
    }

    func refusal(_ json: String) throws -> String {
        let parsed = try rows(json)
        do throws(RequestError) {
            _ = try InputRows(rows: parsed, signature: signature, model: "churn version 3")
            return ""
        } catch {
            return error.message
        }
    }

    @Test("valid rows become a table; null is a missing value")
    func valid() throws {
        let input = try InputRows(rows: try rows(#"[{"age": 41, "plan": "pro", "active": true}, {"age": null, "plan": null, "active": 0}]"#),
                                  signature: signature, model: "m")
        let table = input.table(signature)
        #expect(table.rowCount == 2)
        #expect(table.column(named: "age")?.numbers[0] == 41)
        #expect(table.column(named: "age")?.numbers[1].isNaN == true)
        #expect(table.column(named: "plan")?.category(at: 0) == "pro")
        #expect(table.column(named: "plan")?.isMissing(1) == true)
        #expect(table.column(named: "active")?.numbers == [1, 0])
        let both = InputRows.concatenate([input, input]).table(signature)
        #expect(both.rowCount == 4 && both.column(named: "plan")?.category(at: 2) == "pro")
    }

    @Test("missing, extra and mistyped fields are refused, naming the row, the field and what is allowed")
    func refusals() throws {
        #expect(try refusal(#"[{"age": 41, "plan": "pro"}]"#).contains("rows[0] is missing field 'active' (boolean)"))
        #expect(try refusal(#"[{"age": 41, "plan": "pro", "active": true, "zip": 1}]"#).contains("field 'zip', which churn version 3 does not take"))
        #expect(try refusal(#"[{"age": 41, "plan": "pro", "active": true, "zip": 1}]"#).contains("age (numeric), plan (categorical), active (boolean)"))
        #expect(try refusal(#"[{"age": "41", "plan": "pro", "active": true}]"#).contains("rows[0].age is a string; it is numeric"))
        #expect(try refusal(#"[{"age": 41, "plan": 2, "active": true}]"#).contains("rows[0].plan is a number; it is categorical"))
        #expect(try refusal(#"[{"age": 41, "plan": "pro", "active": 2}]"#).contains("rows[0].active is a number; it is boolean"))
        #expect(try refusal(#"[5]"#).contains("rows[0] is a number"))
        #expect(try refusal(#"[]"#).contains("'rows' is empty"))
    }
}
