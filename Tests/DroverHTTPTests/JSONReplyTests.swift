@testable import DroverHTTP
import Foundation
import Testing

@Suite("The API's JSON answers")
struct JSONReplyTests {
    /// Metric blocks store a NaN as logged; the answer must still encode (it threw before).
    @Test("non-finite numbers go as the strings nan, inf and -inf, as in model files; keys stay sorted")
    func nonFinite() throws {
        let body = try JSONReply.encoder().encode(["b": Double.nan, "a": .infinity, "c": -.infinity, "d": 0.5])
        #expect(String(decoding: body, as: UTF8.self) == #"{"a":"inf","b":"nan","c":"-inf","d":0.5}"#)
    }
}
