import DroverServing
import Foundation
import Testing

@Suite("JSON parser for request bodies")
struct JSONParserTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test("agrees with JSONDecoder on valid documents: types kept, escapes and surrogate pairs decoded")
    func agreesWithFoundation() throws {
        let documents = [
            #"{"rows":[{"tenure_months":8,"monthly_spend":87.8,"support_tickets":1,"plan":"plus","region":"west"}],"key":"user-42"}"#,
            #" [1, -0.5, 2e3, 1E-2, true, false, null, "", "a\"b\\c\/d\n\t\r\b\f", "\u00e9\u4e2d\ud83d\ude00", "héllo"] "#,
            #"{"nested":{"a":[[],{}],"b":{"c":[null]}},"big":12345678901234,"neg":-0}"#,
        ]
        for doc in documents {
            let ours = try Self.parse(doc)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(doc.utf8))
            #expect(ours == foundation, "\(doc)")
        }
        #expect(try Self.parse(#"{"x":1,"y":true}"#) == .object(["x": .number(1), "y": .bool(true)]))
    }

    @Test("refuses malformed bodies with the byte offset")
    func refusals() {
        let bad: [(String, String)] = [
            ("", "unexpected end"), ("{", "expected a field name"), (#"{"a" 1}"#, "expected ':'"), (#"{"a":1,}"#, "expected a field name"),
            ("[1 2]", "expected ',' or ']'"), ("[01]", "leading zero"), ("[1.]", "digits after '.'"), ("[1e]", "exponent"),
            ("tru", "expected true"), (#""abc"#, "unterminated"), ("\"a\u{1}b\"", "control character"), (#""\x""#, "invalid escape"),
            (#""\ud800""#, "unpaired surrogate"), ("{} x", "after the JSON value"), ("[1e999]", "out of range"),
            (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "nested deeper"),
        ]
        for (text, problem) in bad {
            do {
                _ = try JSONParser.parse(Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.description.contains(problem) && error.description.contains("at byte"), "\(text): \(error)")
            }
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) } // not UTF-8
    }
}
